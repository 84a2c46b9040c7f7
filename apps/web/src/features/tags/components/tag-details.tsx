import type { ContainerTag } from '@berth/contract';
import { useState } from 'react';
import { formatBytes, shortDigest } from '../../../shared/format';
import { Button } from '../../../shared/ui/button';
import { CopyButton } from '../../../shared/ui/copy-button';
import { ImageView } from './image-view';

const MEDIA_TYPE_LABEL: Record<string, string> = {
  'application/vnd.oci.image.index.v1+json': 'OCI image index',
  'application/vnd.oci.image.manifest.v1+json': 'OCI image manifest',
  'application/vnd.docker.distribution.manifest.list.v2+json': 'Docker manifest list',
  'application/vnd.docker.distribution.manifest.v2+json': 'Docker image manifest',
};

export const mediaTypeLabel = (mediaType: string) => MEDIA_TYPE_LABEL[mediaType] ?? mediaType;

export function TagDetails({
  tag,
  project,
  repositoryId,
}: {
  tag: ContainerTag;
  project: string;
  repositoryId: number;
}) {
  const [showImage, setShowImage] = useState(false);
  return (
    <div className="tag-details stack">
      <dl className="details-grid">
        <dt>Manifest digest</dt>
        <dd>
          <code>{tag.digest}</code>
          <CopyButton text={tag.digest} label={`Copy manifest digest of ${tag.name}`} />
        </dd>
        <dt>Configuration digest</dt>
        <dd>
          {tag.config_digest ? (
            <>
              <code>{tag.config_digest}</code>
              <CopyButton text={tag.config_digest} label={`Copy configuration digest of ${tag.name}`} />
            </>
          ) : (
            <span className="muted">none (an index has one per platform)</span>
          )}
        </dd>
        <dt>Media type</dt>
        <dd>
          <span title={tag.media_type}>{mediaTypeLabel(tag.media_type)}</span>
        </dd>
        <dt>Pull</dt>
        <dd>
          <code>docker pull {tag.location}</code>
          <CopyButton text={`docker pull ${tag.location}`} label={`Copy pull command for ${tag.name}`} />
        </dd>
      </dl>
      {tag.platforms.length ? (
        <table className="table inner-table">
          <caption className="field-label">Platforms ({tag.platforms.length})</caption>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Digest</th>
              <th scope="col" className="num">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {tag.platforms.map((platform) => (
              <tr key={platform.digest}>
                <td>
                  {[platform.os, platform.architecture, platform.variant].filter(Boolean).join('/') || (
                    <span className="muted">no platform (attestation)</span>
                  )}
                </td>
                <td>
                  <span className="cell-name">
                    <code title={platform.digest}>{shortDigest(platform.digest)}</code>
                    <CopyButton
                      text={platform.digest}
                      label={`Copy digest of ${platform.os ?? ''}/${platform.architecture ?? ''}`}
                    />
                  </span>
                </td>
                <td className="num">{formatBytes(platform.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div>
        <Button aria-expanded={showImage} onClick={() => setShowImage(!showImage)}>
          {showImage ? 'Hide image' : 'Image'}
        </Button>
      </div>
      {showImage ? <ImageView project={project} repositoryId={repositoryId} tag={tag.name} /> : null}
    </div>
  );
}
