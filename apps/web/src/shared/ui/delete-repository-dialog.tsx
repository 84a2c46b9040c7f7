import type { ContainerRepository } from '@berth/contract';
import { useId, useState } from 'react';
import { useDeleteRepository } from '../api/delete-repository';
import { Button } from './button';
import { Dialog } from './dialog';

/** Deleting a repository removes every tag in it: the user types its path to confirm. */
export function DeleteRepositoryDialog({
  repository,
  onClose,
}: {
  repository: ContainerRepository;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const inputId = useId();
  const remove = useDeleteRepository();
  const confirmed = typed.trim() === repository.path;
  const tags = repository.tags_count;

  return (
    <Dialog
      open
      title="Delete image repository?"
      onClose={onClose}
      footer={
        remove.isSuccess ? (
          <Button variant="primary" onClick={onClose}>
            Close
          </Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button
              variant="danger"
              disabled={!confirmed || remove.isPending}
              onClick={() => remove.mutate({ project: repository.project_path, repositoryId: repository.id })}
            >
              {remove.isPending ? 'Deleting…' : 'Delete repository'}
            </Button>
          </>
        )
      }
    >
      {remove.isSuccess ? (
        <p className="notice success" role="status">
          <strong>{repository.path}</strong> is scheduled for deletion. It disappears from the list once the
          registry has removed it.
        </p>
      ) : (
        <>
          <p style={{ margin: 0 }}>
            This deletes <code>{repository.path}</code>
            {tags === undefined
              ? ' and all of its tags'
              : tags === 1
                ? ' and its 1 tag'
                : ` and all ${tags} of its tags`}
            . Anyone pulling these images will no longer find them. This cannot be undone.
          </p>
          <div className="field">
            <label htmlFor={inputId}>
              Type <code>{repository.path}</code> to confirm
            </label>
            <input
              id={inputId}
              className="input mono"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
            />
          </div>
          {remove.isError ? (
            <p className="notice danger" role="alert">
              The repository was not deleted: {remove.error.message}
            </p>
          ) : null}
        </>
      )}
    </Dialog>
  );
}
