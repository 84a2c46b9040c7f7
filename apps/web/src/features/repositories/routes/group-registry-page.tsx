import { useGroup } from '../../../shared/api/get-group';
import { plural } from '../../../shared/format';
import { paths } from '../../../shared/paths';
import { Breadcrumb, namespaceCrumbs } from '../../../shared/ui/breadcrumb';
import { EmptyState, ErrorPanel, Loading } from '../../../shared/ui/states';
import { useListGroupRepositories } from '../api/list-group-repositories';
import { RepositoryList, useRepositoryListState } from '../components/repository-list';

export function GroupRegistryPage({ group: groupPath }: { group: string }) {
  const group = useGroup(groupPath);
  const list = useRepositoryListState();
  const repositories = useListGroupRepositories(groupPath, list.params);
  const crumbs = [
    ...namespaceCrumbs(groupPath, (prefix) => paths.groupRegistry(prefix)),
    { label: 'Container registry' },
  ];

  if (group.isError) {
    return (
      <>
        <Breadcrumb items={crumbs} />
        <ErrorPanel error={group.error} onRetry={() => group.refetch()} />
      </>
    );
  }
  if (!group.data) {
    return (
      <>
        <Breadcrumb items={crumbs} />
        <Loading label="Loading the group's container registry" />
      </>
    );
  }
  return (
    <>
      <Breadcrumb items={crumbs} />
      <div className="page-header">
        <div className="title-block">
          <h1>Container registry</h1>
          <div className="meta">
            <span>{group.data.full_name}</span>
            {repositories.data ? (
              <span>{plural(repositories.data.total, 'image repository', 'image repositories')}</span>
            ) : null}
            <span>every project of the group and its subgroups</span>
          </div>
        </div>
      </div>
      <RepositoryList
        list={list}
        query={repositories}
        showProject
        emptyState={
          <EmptyState title="No container images stored in this group">
            <p>
              Projects of <strong>{group.data.full_path}</strong> and its subgroups have not pushed any images
              yet. Open a project's container registry to see the commands that push the first one.
            </p>
          </EmptyState>
        }
      />
    </>
  );
}
