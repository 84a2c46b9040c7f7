import { useState } from 'react';
import { plural } from '../../../shared/format';
import { Button } from '../../../shared/ui/button';
import { Dialog } from '../../../shared/ui/dialog';
import { useDeleteTags } from '../api/delete-tags';

const SHOWN = 10;

/** Names what will go, deletes in one request, then says what happened in words. */
export function DeleteTagsDialog({
  project,
  repositoryId,
  names,
  onClose,
  onDeleted,
}: {
  project: string;
  repositoryId: number;
  names: string[];
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteTags();
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const count = names.length;
  const start = () =>
    remove.mutate(
      { project, repositoryId, names, onProgress: (done, total) => setProgress({ done, total }) },
      { onSuccess: onDeleted },
    );

  const body = (() => {
    if (remove.isPending) {
      return (
        <div role="status" className="stack" style={{ gap: 'var(--space-2)' }}>
          <p style={{ margin: 0 }}>Deleting {plural(count, 'tag')}…</p>
          <progress max={count} value={progress?.done ?? undefined} aria-label="Deletion progress" />
        </div>
      );
    }
    if (remove.isSuccess) {
      const { deleted, not_found: gone } = remove.data;
      return (
        <div role="status" className="stack" style={{ gap: 'var(--space-2)' }}>
          <p className="notice success" style={{ margin: 0 }}>
            {deleted.length} deleted, {gone.length} already gone.
          </p>
          {gone.length ? (
            <p style={{ margin: 0 }}>
              {gone.length === 1 ? 'The tag ' : 'The tags '}
              {gone.slice(0, SHOWN).map((name, index) => (
                <span key={name}>
                  {index > 0 ? ', ' : ''}
                  <code>{name}</code>
                </span>
              ))}
              {gone.length > SHOWN ? ` and ${gone.length - SHOWN} more` : ''}{' '}
              {gone.length === 1 ? 'was' : 'were'} deleted by someone else in the meantime.
            </p>
          ) : null}
        </div>
      );
    }
    return (
      <>
        <p style={{ margin: 0 }}>
          {count === 1 ? 'This tag will be deleted:' : `These ${count} tags will be deleted:`}
        </p>
        <ul className="tag-list">
          {names.slice(0, SHOWN).map((name) => (
            <li key={name}>
              <code>{name}</code>
            </li>
          ))}
          {count > SHOWN ? <li className="muted">and {count - SHOWN} more</li> : null}
        </ul>
        <p className="muted" style={{ margin: 0 }}>
          Other tags that point to the same image digest stay, and so does the image they name.
        </p>
        {remove.isError ? (
          <p className="notice danger" role="alert" style={{ margin: 0 }}>
            Nothing was deleted: {remove.error.message}
          </p>
        ) : null}
      </>
    );
  })();

  return (
    <Dialog
      open
      title={count === 1 ? 'Delete tag?' : `Delete ${count} tags?`}
      onClose={onClose}
      footer={
        remove.isSuccess ? (
          <Button variant="primary" onClick={onClose}>
            Close
          </Button>
        ) : (
          <>
            <Button onClick={onClose} disabled={remove.isPending}>
              Cancel
            </Button>
            <Button variant="danger" onClick={start} disabled={remove.isPending}>
              {count === 1 ? 'Delete 1 tag' : `Delete ${count} tags`}
            </Button>
          </>
        )
      }
    >
      {body}
    </Dialog>
  );
}
