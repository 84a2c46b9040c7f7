import type { ContainerTag } from '@berth/contract';
import { Fragment, useEffect, useRef, useState } from 'react';
import { formatBytes, shortDigest } from '../../../shared/format';
import { Button } from '../../../shared/ui/button';
import { CopyButton } from '../../../shared/ui/copy-button';
import { ChevronDown, ChevronRight } from '../../../shared/ui/icons';
import { RelativeTime } from '../../../shared/ui/relative-time';
import { SkeletonRows } from '../../../shared/ui/states';
import { TagDetails } from './tag-details';

interface Selection {
  selected: ReadonlySet<string>;
  onToggle: (name: string) => void;
  onTogglePage: (names: string[], checked: boolean) => void;
}

function PageCheckbox({ names, selection }: { names: string[]; selection: Selection }) {
  const ref = useRef<HTMLInputElement>(null);
  const count = names.filter((name) => selection.selected.has(name)).length;
  const all = names.length > 0 && count === names.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      className="check"
      aria-label="Select all tags on this page"
      checked={all}
      onChange={() => selection.onTogglePage(names, !all)}
    />
  );
}

export function TagTable({
  tags,
  project,
  repositoryId,
  selection,
  fetching,
  rows,
}: {
  tags: readonly ContainerTag[] | undefined;
  project: string;
  repositoryId: number;
  /** Absent for users who may not delete: no checkbox column at all. */
  selection?: Selection;
  fetching?: boolean;
  rows: number;
}) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (name: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  const columns = 6 + (selection ? 1 : 0);
  return (
    <div className={`table-wrap${fetching ? ' is-fetching' : ''}`}>
      <table className="table tag-table" aria-label="Tags" aria-busy={fetching || !tags}>
        <thead>
          <tr>
            {selection ? (
              <th scope="col" className="shrink">
                {tags ? <PageCheckbox names={tags.map((tag) => tag.name)} selection={selection} /> : null}
              </th>
            ) : null}
            <th scope="col">Tag</th>
            <th scope="col" className="hide-sm">
              Published
            </th>
            <th scope="col" className="num hide-sm">
              Size
            </th>
            <th scope="col" className="hide-sm">
              Digest
            </th>
            <th scope="col" className="num hide-sm">
              Platforms
            </th>
            <th scope="col" className="shrink">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {!tags ? (
            <SkeletonRows columns={columns} rows={Math.min(rows, 10)} />
          ) : (
            tags.map((tag) => {
              const isSelected = selection?.selected.has(tag.name) ?? false;
              const isOpen = expanded.has(tag.name);
              const detailsId = `tag-details-${tag.name}`;
              return (
                <Fragment key={tag.name}>
                  <tr className={isSelected ? 'selected' : undefined}>
                    {selection ? (
                      <td className="shrink">
                        <input
                          type="checkbox"
                          className="check"
                          aria-label={`Select tag ${tag.name}`}
                          checked={isSelected}
                          onChange={() => selection.onToggle(tag.name)}
                        />
                      </td>
                    ) : null}
                    <td>
                      <div className="cell-name">
                        <span className="mono truncate tag-name" title={tag.name}>
                          {tag.name}
                        </span>
                        <CopyButton text={tag.location} label={`Copy image path ${tag.location}`} />
                      </div>
                      {/* On a phone the table keeps only name and details: published and size go here. */}
                      <div className="show-sm cell-meta">
                        <RelativeTime value={tag.published_at} prefix="Published" /> ·{' '}
                        {formatBytes(tag.total_size)}
                      </div>
                    </td>
                    <td className="nowrap hide-sm">
                      <RelativeTime value={tag.published_at} prefix="Published" />
                    </td>
                    <td className="num hide-sm">{formatBytes(tag.total_size)}</td>
                    <td className="hide-sm">
                      <div className="cell-name">
                        <code title={tag.digest}>{shortDigest(tag.digest).replace('sha256:', '')}</code>
                        <CopyButton text={tag.digest} label={`Copy digest of ${tag.name}`} />
                      </div>
                    </td>
                    <td className="num hide-sm">{tag.platforms.length || '—'}</td>
                    <td className="shrink">
                      <Button
                        variant="icon"
                        aria-expanded={isOpen}
                        aria-controls={isOpen ? detailsId : undefined}
                        aria-label={`${isOpen ? 'Hide' : 'Show'} details of ${tag.name}`}
                        onClick={() => toggle(tag.name)}
                      >
                        {isOpen ? <ChevronDown /> : <ChevronRight />}
                      </Button>
                    </td>
                  </tr>
                  {isOpen ? (
                    <tr className="detail-row" id={detailsId}>
                      <td colSpan={columns}>
                        <TagDetails tag={tag} project={project} repositoryId={repositoryId} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}
