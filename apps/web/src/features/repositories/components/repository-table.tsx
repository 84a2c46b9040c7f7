import type { CleanupStatus, ContainerRepository } from '@berth/contract';
import { Link } from 'react-router';
import { formatBytes, plural } from '../../../shared/format';
import { paths } from '../../../shared/paths';
import { BreakablePath } from '../../../shared/ui/breakable-path';
import { Button } from '../../../shared/ui/button';
import { CopyButton } from '../../../shared/ui/copy-button';
import { TrashIcon } from '../../../shared/ui/icons';
import { RelativeTime } from '../../../shared/ui/relative-time';
import { SkeletonRows } from '../../../shared/ui/states';

const CLEANUP_LABEL: Record<CleanupStatus, string | null> = {
  cleanup_unscheduled: null,
  cleanup_scheduled: 'Cleanup pending',
  cleanup_ongoing: 'Cleanup in progress',
  cleanup_unfinished: 'Cleanup incomplete',
};

export function RepositoryStatus({ repository }: { repository: ContainerRepository }) {
  if (repository.status === 'delete_scheduled' || repository.status === 'delete_ongoing')
    return <span className="badge danger">Deletion scheduled</span>;
  if (repository.status === 'delete_failed') return <span className="badge danger">Deletion failed</span>;
  const cleanup = repository.expiration_policy_cleanup_status;
  const label = cleanup ? CLEANUP_LABEL[cleanup] : null;
  return label ? <span className="badge accent">{label}</span> : null;
}

const tagsCount = (repository: ContainerRepository) =>
  repository.tags_count === undefined ? '—' : plural(repository.tags_count, 'tag');

const size = (repository: ContainerRepository) =>
  repository.size === undefined ? '—' : formatBytes(repository.size);

function Published({ repository }: { repository: ContainerRepository }) {
  return repository.last_published_at ? (
    <RelativeTime value={repository.last_published_at} prefix="Published" />
  ) : (
    <span className="muted">Nothing published</span>
  );
}

export function RepositoryTable({
  repositories,
  showProject,
  onDelete,
  fetching,
}: {
  repositories: readonly ContainerRepository[] | undefined;
  showProject?: boolean;
  onDelete?: (repository: ContainerRepository) => void;
  fetching?: boolean;
}) {
  const columns = 4 + (showProject ? 1 : 0) + (onDelete ? 1 : 0);
  return (
    <div className={`table-wrap${fetching ? ' is-fetching' : ''}`}>
      <table
        className="table repo-table"
        aria-label="Image repositories"
        aria-busy={fetching || !repositories}
      >
        <thead>
          <tr>
            <th scope="col">Image repository</th>
            {showProject ? (
              <th scope="col" className="hide-sm">
                Project
              </th>
            ) : null}
            <th scope="col" className="num hide-sm">
              Tags
            </th>
            <th scope="col" className="num hide-sm">
              Size
            </th>
            <th scope="col" className="hide-sm">
              Last published
            </th>
            {onDelete ? (
              <th scope="col" className="shrink">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {!repositories ? (
            <SkeletonRows columns={columns} />
          ) : (
            repositories.map((repository) => {
              const scheduled = repository.status !== null;
              return (
                <tr key={repository.id}>
                  <td>
                    <div className="cell-name">
                      {scheduled ? (
                        <span className="mono truncate muted">
                          <BreakablePath path={repository.path} />
                        </span>
                      ) : (
                        <Link
                          className="mono truncate"
                          to={paths.repository(repository.project_path, repository.id)}
                          title={repository.path}
                          aria-label={repository.path}
                        >
                          <BreakablePath path={repository.path} />
                        </Link>
                      )}
                      <CopyButton
                        text={repository.location}
                        label={`Copy image path ${repository.location}`}
                      />
                      <RepositoryStatus repository={repository} />
                    </div>
                    {/* On a phone the table keeps only the path: its facts go here. */}
                    <div className="show-sm cell-meta">
                      {showProject ? <>{repository.project_name} · </> : null}
                      {tagsCount(repository)} · {size(repository)} · <Published repository={repository} />
                    </div>
                  </td>
                  {showProject ? (
                    <td className="hide-sm">
                      <Link to={paths.projectRegistry(repository.project_path)} className="truncate">
                        {repository.project_name}
                      </Link>
                    </td>
                  ) : null}
                  <td className="num hide-sm">{tagsCount(repository)}</td>
                  <td className="num hide-sm">{size(repository)}</td>
                  <td className="nowrap hide-sm">
                    <Published repository={repository} />
                  </td>
                  {onDelete ? (
                    <td className="shrink">
                      <Button
                        variant="icon"
                        className="danger"
                        aria-label={`Delete image repository ${repository.path}`}
                        title="Delete image repository"
                        disabled={scheduled}
                        onClick={() => onDelete(repository)}
                      >
                        <TrashIcon />
                      </Button>
                    </td>
                  ) : null}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}
