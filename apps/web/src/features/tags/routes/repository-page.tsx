import type { ContainerRepository } from '@berth/contract';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { type ProjectWithPolicy, useProject } from '../../../shared/api/get-project';
import { useSession } from '../../../shared/api/get-session';
import { formatBytes, formatRelative, plural } from '../../../shared/format';
import { paths } from '../../../shared/paths';
import { projectAbilities } from '../../../shared/permissions';
import { Breadcrumb, namespaceCrumbs } from '../../../shared/ui/breadcrumb';
import { Button } from '../../../shared/ui/button';
import { CopyButton } from '../../../shared/ui/copy-button';
import { DeleteRepositoryDialog } from '../../../shared/ui/delete-repository-dialog';
import { Pagination } from '../../../shared/ui/pagination';
import { RelativeTime } from '../../../shared/ui/relative-time';
import { SearchInput } from '../../../shared/ui/search-input';
import { SortControl } from '../../../shared/ui/sort-control';
import { EmptyState, ErrorPanel, Loading } from '../../../shared/ui/states';
import { useSearchState } from '../../../shared/use-search-state';
import { useRepository } from '../api/get-repository';
import { listMatchingTagNames, useListTags } from '../api/list-tags';
import { DeleteTagsDialog } from '../components/delete-tags-dialog';
import { TagTable } from '../components/tag-table';
import { TAG_PAGE_SIZES, tagListParams, tagListSearchSchema } from '../tag-list-search';

const SORT_OPTIONS = [
  { value: 'published_at', label: 'Published' },
  { value: 'name', label: 'Name' },
] as const;

const CLEANUP_STATUS_LABEL = {
  cleanup_scheduled: 'scheduled',
  cleanup_ongoing: 'running',
  cleanup_unfinished: 'unfinished',
} as const;

/** A run in progress or left unfinished says so; otherwise the project's policy says what comes next. */
function cleanupLabel(
  status: ContainerRepository['expiration_policy_cleanup_status'],
  policy: ProjectWithPolicy['container_expiration_policy'],
): string {
  if (status && status !== 'cleanup_unscheduled') return CLEANUP_STATUS_LABEL[status];
  if (!policy?.enabled) return 'off';
  return policy.next_run_at ? `next ${formatRelative(new Date(policy.next_run_at))}` : 'scheduled';
}

export function RepositoryPage({
  project: projectPath,
  repositoryId,
}: {
  project: string;
  repositoryId: number;
}) {
  const [state, setState] = useSearchState(tagListSearchSchema);
  const project = useProject(projectPath);
  const session = useSession();
  const repository = useRepository(repositoryId);
  const tags = useListTags(
    projectPath,
    repositoryId,
    tagListParams(state),
    // Asked at once, beside the repository and the project: a shared link loads in one round trip.
    !repository.isError,
  );
  const navigate = useNavigate();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [toDelete, setToDelete] = useState<string[] | null>(null);
  const [collecting, setCollecting] = useState<'idle' | 'busy' | Error>('idle');
  const [deletingRepository, setDeletingRepository] = useState(false);

  // A selection belongs to the search it was made in.
  // biome-ignore lint/correctness/useExhaustiveDependencies: resetting is the point.
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [state.search]);

  const crumbs = [
    ...namespaceCrumbs(projectPath, (prefix, isLast) =>
      isLast ? paths.projectRegistry(prefix) : paths.groupRegistry(prefix),
    ),
    { label: 'Container registry', to: paths.projectRegistry(projectPath) },
    { label: repository.data?.name || repository.data?.path.split('/').pop() || String(repositoryId) },
  ];

  const failure = project.error ?? repository.error;
  if (failure) {
    return (
      <>
        <Breadcrumb items={crumbs} />
        <ErrorPanel
          error={failure}
          onRetry={() => {
            void project.refetch();
            void repository.refetch();
          }}
        />
      </>
    );
  }
  if (!project.data || !repository.data || session.isPending) {
    return (
      <>
        <Breadcrumb items={crumbs} />
        <Loading label="Loading the image repository" />
      </>
    );
  }
  const repo = repository.data;
  const canDelete = projectAbilities(project.data, session.data).deleteImages;
  const data = tags.data;
  const total = data?.total ?? repo.tags_count ?? 0;
  const selectedCount = allMatching ? total : selected.size;

  const toggle = (name: string) => {
    setAllMatching(false);
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  };
  const togglePage = (names: string[], checked: boolean) => {
    setAllMatching(false);
    setSelected((current) => {
      const next = new Set(current);
      for (const name of names) {
        if (checked) next.add(name);
        else next.delete(name);
      }
      return next;
    });
  };
  const openDelete = async () => {
    if (!allMatching) {
      setToDelete([...selected]);
      return;
    }
    setCollecting('busy');
    try {
      setToDelete(await listMatchingTagNames(projectPath, repositoryId, state.search || undefined));
      setCollecting('idle');
    } catch (error) {
      setCollecting(error instanceof Error ? error : new Error(String(error)));
    }
  };

  return (
    <>
      <Breadcrumb items={crumbs} />
      <div className="page-header">
        <div className="title-block">
          <h1 className="cell-name">
            <span className="mono truncate" title={repo.path}>
              {repo.path}
            </span>
            <CopyButton text={repo.location} label={`Copy image path ${repo.location}`} />
          </h1>
          <div className="meta">
            <span>{plural(repo.tags_count ?? 0, 'tag')}</span>
            {repo.size !== undefined ? <span>{formatBytes(repo.size)}</span> : null}
            <span>
              <RelativeTime value={repo.created_at} prefix="created" />
            </span>
            <span>
              {repo.last_published_at ? (
                <RelativeTime value={repo.last_published_at} prefix="last published" />
              ) : (
                'nothing published yet'
              )}
            </span>
            <span>
              cleanup:{' '}
              {cleanupLabel(repo.expiration_policy_cleanup_status, project.data.container_expiration_policy)}
            </span>
          </div>
        </div>
        {canDelete ? (
          <Button variant="danger-outline" onClick={() => setDeletingRepository(true)}>
            Delete repository
          </Button>
        ) : null}
      </div>
      {repo.status ? (
        <p className="notice danger" role="status">
          This repository is scheduled for deletion. Its tags disappear once the registry has removed it.
        </p>
      ) : null}

      {data && data.total === 0 && !state.search && !tags.isPlaceholderData ? (
        <EmptyState title="This image repository has no tags">
          <p>
            Push a tag with <code>docker push {repo.location}:latest</code>; tags deleted by a cleanup policy
            or by hand no longer show here.
          </p>
        </EmptyState>
      ) : (
        <div className="stack" style={{ gap: 'var(--space-3)' }}>
          <div className="toolbar">
            <SearchInput
              label="Filter tags"
              value={state.search}
              onChange={(search) => setState({ search })}
            />
            <SortControl
              value={state.orderBy}
              options={SORT_OPTIONS}
              direction={state.sort}
              onChange={(orderBy) => setState({ orderBy })}
              onDirection={(sort) => setState({ sort })}
            />
            <span className="spacer" />
            {canDelete ? (
              <Button
                variant="danger-outline"
                disabled={selectedCount === 0 || collecting === 'busy'}
                onClick={() => void openDelete()}
              >
                {collecting === 'busy'
                  ? 'Collecting tags…'
                  : `Delete selected (${selectedCount.toLocaleString('en')})`}
              </Button>
            ) : null}
          </div>
          {collecting instanceof Error ? (
            <ErrorPanel error={collecting} onRetry={() => void openDelete()} what="The matching tags" />
          ) : null}
          {tags.isError && !data ? (
            <ErrorPanel error={tags.error} onRetry={() => tags.refetch()} what="Tags" />
          ) : data && data.items.length === 0 ? (
            <EmptyState
              title={state.search ? `No tags match “${state.search}”` : 'No tags on this page'}
              actions={
                state.search ? (
                  <Button onClick={() => setState({ search: '' })}>Clear filter</Button>
                ) : (
                  <Button onClick={() => setState({ page: 1 })}>Go to the first page</Button>
                )
              }
            />
          ) : (
            <TagTable
              tags={data?.items}
              project={projectPath}
              repositoryId={repositoryId}
              fetching={tags.isPlaceholderData}
              rows={state.per_page}
              selection={canDelete ? { selected, onToggle: toggle, onTogglePage: togglePage } : undefined}
            />
          )}
          {data && data.items.length > 0 ? (
            <div className="row">
              {canDelete && data.total > data.items.length ? (
                <label className="row field-hint">
                  <input
                    type="checkbox"
                    className="check"
                    checked={allMatching}
                    onChange={(event) => {
                      setAllMatching(event.target.checked);
                      if (!event.target.checked) setSelected(new Set());
                    }}
                  />
                  Select all {plural(data.total, 'tag')}
                  {state.search ? ' matching the filter' : ''}
                </label>
              ) : (
                <span className="muted field-hint">{plural(data.total, 'tag')}</span>
              )}
              <span className="spacer" />
              <Pagination
                page={state.page}
                totalPages={data.totalPages}
                onPage={(page) => setState({ page })}
                perPage={state.per_page}
                perPageOptions={TAG_PAGE_SIZES}
                onPerPage={(per_page) => setState({ per_page: per_page as (typeof TAG_PAGE_SIZES)[number] })}
              />
            </div>
          ) : null}
        </div>
      )}
      {toDelete ? (
        <DeleteTagsDialog
          project={projectPath}
          repositoryId={repositoryId}
          names={toDelete}
          onClose={() => setToDelete(null)}
          onDeleted={() => {
            setSelected(new Set());
            setAllMatching(false);
          }}
        />
      ) : null}
      {deletingRepository ? (
        <DeleteRepositoryDialog
          repository={repo}
          onClose={() => {
            setDeletingRepository(false);
            if (repository.data?.status) navigate(paths.projectRegistry(projectPath));
          }}
        />
      ) : null}
    </>
  );
}
