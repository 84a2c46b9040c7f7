import type { CleanupPreview as Preview } from '@berth/contract';
import { plural } from '../../../shared/format';
import { Timeline } from '../../../shared/ui/charts';

export function CleanupPreview({ preview, fetching }: { preview: Preview; fetching: boolean }) {
  const deleted = preview.repositories.reduce((sum, repository) => sum + repository.delete.length, 0);
  const kept = preview.repositories.reduce((sum, repository) => sum + repository.keep.length, 0);
  const affected = preview.repositories.filter((repository) => repository.delete.length > 0).length;
  const points = preview.repositories.flatMap((repository) => [
    ...repository.delete.map((tag) => ({
      key: `${repository.id}:${tag.name}`,
      label: `${repository.path}:${tag.name}`,
      date: tag.published_at,
      marked: true,
    })),
    ...repository.keep.map((tag) => ({
      key: `${repository.id}:${tag.name}`,
      label: `${repository.path}:${tag.name}`,
      date: tag.published_at,
      marked: false,
    })),
  ]);
  return (
    <section
      className={`stack preview${fetching ? ' is-fetching' : ''}`}
      aria-label="Cleanup preview"
      aria-busy={fetching}
    >
      <p role="status" style={{ margin: 0 }}>
        <strong>
          {deleted === 0
            ? 'No tags would be deleted now'
            : `${plural(deleted, 'tag')} in ${plural(affected, 'repository', 'repositories')} would be deleted now`}
        </strong>
        <span className="muted"> · {plural(kept, 'tag')} kept</span>
      </p>
      {points.length > 0 ? (
        <Timeline
          title="Tags by published date"
          points={points}
          markedLabel="would be deleted"
          unmarkedLabel="kept"
        />
      ) : null}
      {deleted > 0 ? (
        <details>
          <summary className="field-label">Tags that would be deleted</summary>
          <ul className="preview-list">
            {preview.repositories
              .filter((repository) => repository.delete.length > 0)
              .map((repository) => (
                <li key={repository.id}>
                  <code>{repository.path}</code>:{' '}
                  {repository.delete.map((tag, index) => (
                    <span key={tag.name}>
                      {index > 0 ? ', ' : ''}
                      <code>{tag.name}</code>
                    </span>
                  ))}
                </li>
              ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
