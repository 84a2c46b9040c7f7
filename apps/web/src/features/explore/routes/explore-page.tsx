import { Link } from 'react-router';
import { z } from 'zod';
import { useSession } from '../../../shared/api/get-session';
import { useListProjects } from '../../../shared/api/list-projects';
import { plural } from '../../../shared/format';
import { paths } from '../../../shared/paths';
import { Button } from '../../../shared/ui/button';
import { FolderIcon } from '../../../shared/ui/icons';
import { Pagination } from '../../../shared/ui/pagination';
import { RelativeTime } from '../../../shared/ui/relative-time';
import { SearchInput } from '../../../shared/ui/search-input';
import { SortControl } from '../../../shared/ui/sort-control';
import { EmptyState, ErrorPanel, SkeletonRows } from '../../../shared/ui/states';
import { enumParam, pageParam, searchParam, useSearchState } from '../../../shared/use-search-state';
import { useListGroups } from '../api/list-groups';

const PER_PAGE = 20;

export const exploreSearchSchema = z.object({
  search: searchParam,
  orderBy: enumParam(['name', 'created_at', 'last_activity_at'], 'last_activity_at'),
  sort: enumParam(['asc', 'desc'], 'desc'),
  page: pageParam,
});

const SORT_OPTIONS = [
  { value: 'name', label: 'Name' },
  { value: 'created_at', label: 'Created' },
  { value: 'last_activity_at', label: 'Updated' },
] as const;

const VISIBILITY_LABEL = { public: 'Public', internal: 'Internal', private: 'Private' } as const;

function GroupsSection({ search }: { search: string }) {
  const groups = useListGroups({ search: search || undefined, perPage: 50 });
  if (groups.isPending || groups.isError || groups.data.items.length === 0) return null;
  return (
    <section className="stack" aria-labelledby="groups-heading" style={{ gap: 'var(--space-2)' }}>
      <h2 id="groups-heading">Groups</h2>
      <ul className="chip-list">
        {groups.data.items.map((group) => (
          <li key={group.id}>
            <Link className="chip" to={paths.groupRegistry(group.full_path)} title={group.full_name}>
              <FolderIcon />
              <span className="truncate">{group.full_path}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ExplorePage() {
  const [state, setState] = useSearchState(exploreSearchSchema);
  const session = useSession();
  const projects = useListProjects({
    search: state.search || undefined,
    orderBy: state.orderBy,
    sort: state.sort,
    page: state.page,
    perPage: PER_PAGE,
  });
  const data = projects.data;

  return (
    <div className="stack">
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div className="title-block">
          <h1>{session.data ? 'Projects' : 'Explore projects'}</h1>
          <div className="meta">
            <span>Every project you can see, with its container registry.</span>
          </div>
        </div>
      </div>
      <GroupsSection search={state.search} />
      <section className="stack" aria-labelledby="projects-heading" style={{ gap: 'var(--space-3)' }}>
        <h2 id="projects-heading" className="visually-hidden">
          Projects
        </h2>
        <div className="toolbar">
          <SearchInput
            label="Filter projects by name"
            value={state.search}
            onChange={(search) => setState({ search })}
          />
          <span className="spacer" />
          <SortControl
            value={state.orderBy}
            options={SORT_OPTIONS}
            direction={state.sort}
            onChange={(orderBy) => setState({ orderBy })}
            onDirection={(sort) => setState({ sort })}
          />
        </div>
        {projects.isError && !data ? (
          <ErrorPanel error={projects.error} onRetry={() => projects.refetch()} what="Projects" />
        ) : data && data.items.length === 0 ? (
          state.search ? (
            <EmptyState
              title={`No projects match “${state.search}”`}
              actions={<Button onClick={() => setState({ search: '' })}>Clear filter</Button>}
            />
          ) : (
            <EmptyState title="No projects to show">
              <p>
                {session.data
                  ? 'You are not a member of any project yet. Ask a maintainer to add you, or create a project with the API.'
                  : 'There are no public projects here. Sign in to see the projects you belong to.'}
              </p>
            </EmptyState>
          )
        ) : (
          <div className={`table-wrap${projects.isPlaceholderData ? ' is-fetching' : ''}`}>
            <table className="table" aria-busy={projects.isFetching}>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col" className="hide-sm">
                    Visibility
                  </th>
                  <th scope="col" className="hide-sm">
                    Registry
                  </th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {!data ? (
                  <SkeletonRows columns={4} />
                ) : (
                  data.items.map((project) => (
                    <tr key={project.id}>
                      <td>
                        <Link to={paths.projectRegistry(project.path_with_namespace)} className="truncate">
                          {project.name_with_namespace}
                        </Link>
                        {project.description ? (
                          <div className="muted truncate field-hint">{project.description}</div>
                        ) : null}
                      </td>
                      <td className="hide-sm">
                        <span className="badge">{VISIBILITY_LABEL[project.visibility]}</span>
                      </td>
                      <td className="hide-sm">
                        {project.container_registry_access_level === 'disabled' ? (
                          <span className="muted">Off</span>
                        ) : (
                          <Link to={paths.projectRegistry(project.path_with_namespace)}>
                            Container registry
                          </Link>
                        )}
                      </td>
                      <td className="shrink">
                        <RelativeTime value={project.last_activity_at} />
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        )}
        {data && data.items.length > 0 ? (
          <div className="row">
            <span className="muted field-hint">{plural(data.total, 'project')}</span>
            <span className="spacer" />
            <Pagination
              page={state.page}
              totalPages={data.totalPages}
              onPage={(page) => setState({ page })}
            />
          </div>
        ) : null}
      </section>
    </div>
  );
}
