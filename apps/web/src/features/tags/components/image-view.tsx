import type { ImageDetails } from '@berth/contract';
import { formatBytes, shortDigest } from '../../../shared/format';
import { CopyButton } from '../../../shared/ui/copy-button';
import { RelativeTime } from '../../../shared/ui/relative-time';
import { ErrorPanel, Loading } from '../../../shared/ui/states';
import { useTagImage } from '../api/get-tag-image';

const platformOf = (image: Pick<ImageDetails, 'os' | 'architecture' | 'variant'>) =>
  [image.os, image.architecture, image.variant].filter(Boolean).join('/') || 'unknown platform';

const command = (parts: string[] | null) => (parts && parts.length > 0 ? parts.join(' ') : null);

function OneImage({ image }: { image: ImageDetails }) {
  const labels = Object.entries(image.labels);
  const total = image.layers.reduce((sum, layer) => sum + layer.size, 0);
  return (
    <section className="image-view stack" aria-label={`Image ${platformOf(image)}`}>
      <h4>{platformOf(image)}</h4>
      <dl className="details-grid">
        <dt>Created</dt>
        <dd>
          <RelativeTime value={image.created} />
        </dd>
        <dt>Entrypoint</dt>
        <dd>
          {command(image.entrypoint) ? (
            <code>{command(image.entrypoint)}</code>
          ) : (
            <span className="muted">—</span>
          )}
        </dd>
        <dt>Command</dt>
        <dd>{command(image.cmd) ? <code>{command(image.cmd)}</code> : <span className="muted">—</span>}</dd>
        {image.working_dir ? (
          <>
            <dt>Working directory</dt>
            <dd>
              <code>{image.working_dir}</code>
            </dd>
          </>
        ) : null}
        {image.user ? (
          <>
            <dt>User</dt>
            <dd>
              <code>{image.user}</code>
            </dd>
          </>
        ) : null}
        <dt>Exposed ports</dt>
        <dd>
          {image.exposed_ports.length ? image.exposed_ports.join(', ') : <span className="muted">none</span>}
        </dd>
        <dt>Environment</dt>
        <dd>
          {image.env.length ? (
            <span className="row" style={{ gap: 'var(--space-1)' }}>
              {image.env.map((name) => (
                <code key={name} className="badge">
                  {name}
                </code>
              ))}
            </span>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Labels</dt>
        <dd>
          {labels.length ? (
            <span className="stack" style={{ gap: 2 }}>
              {labels.map(([key, value]) => (
                <code key={key}>
                  {key}={value}
                </code>
              ))}
            </span>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Config digest</dt>
        <dd>
          <code>{shortDigest(image.config_digest)}</code>
          <CopyButton text={image.config_digest} label="Copy configuration digest" />
        </dd>
      </dl>
      <table className="table inner-table">
        <caption className="field-label">
          Layers ({image.layers.length}, {formatBytes(total)})
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Digest</th>
            <th scope="col" className="num">
              Size
            </th>
          </tr>
        </thead>
        <tbody>
          {image.layers.map((layer, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a layer may appear twice; its place tells them apart.
            <tr key={`${layer.digest}-${index}`}>
              <td className="shrink">{index + 1}</td>
              <td>
                <span className="cell-name">
                  <code title={layer.digest}>{shortDigest(layer.digest)}</code>
                  <CopyButton text={layer.digest} label={`Copy digest of layer ${index + 1}`} />
                </span>
              </td>
              <td className="num">{formatBytes(layer.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {image.history.length ? (
        <details>
          <summary className="field-label">Build history ({image.history.length} steps)</summary>
          <ol className="history">
            {image.history.map((entry, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: history steps are ordered and have no identity.
              <li key={index} className={entry.empty_layer ? 'muted' : undefined}>
                <code>{entry.created_by ?? entry.comment ?? '(no command recorded)'}</code>
                {entry.empty_layer ? <span className="badge">no layer</span> : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </section>
  );
}

export function ImageView({
  project,
  repositoryId,
  tag,
}: {
  project: string;
  repositoryId: number;
  tag: string;
}) {
  const image = useTagImage(project, repositoryId, tag, true);
  if (image.isError)
    return <ErrorPanel error={image.error} onRetry={() => image.refetch()} what="The image" />;
  if (!image.data) return <Loading label={`Loading image ${tag}`} />;
  return (
    <div className="image-grid">
      {image.data.images.map((details) => (
        <OneImage key={details.digest} image={details} />
      ))}
    </div>
  );
}
