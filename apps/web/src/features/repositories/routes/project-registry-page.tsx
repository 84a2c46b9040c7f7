import type { ContainerRepository } from '@berth/contract';
import { useState } from 'react';
import { Link } from 'react-router';
import { type ProjectWithPolicy, useProject } from '../../../shared/api/get-project';
import { useSession } from '../../../shared/api/get-session';
import { formatBytes, formatRelative, plural } from '../../../shared/format';
import { paths } from '../../../shared/paths';
import { projectAbilities } from '../../../shared/permissions';
import { Breadcrumb, namespaceCrumbs } from '../../../shared/ui/breadcrumb';
import { DeleteRepositoryDialog } from '../../../shared/ui/delete-repository-dialog';
import { GearIcon } from '../../../shared/ui/icons';
import { EmptyState, ErrorPanel, Loading } from '../../../shared/ui/states';
import { useListProjectRepositories } from '../api/list-project-repositories';
import { CliCommandsMenu, CommandList } from '../components/cli-commands';
import { RepositoryList, useRepositoryListState } from '../components/repository-list';

const CADENCE_LABEL = {
  '1d': 'daily',
  '7d': 'weekly',
  '14d': 'every two weeks',
  '1month': 'monthly',
  '3month': 'every three months',
} as const;

export function cleanupSummary(project: ProjectWithPolicy): string {
  const policy = project.container_expiration_policy;
  if (!policy?.enabled) return 'cleanup is off';
  const next = policy.next_run_at ? `, next ${formatRelative(new Date(policy.next_run_at))}` : '';
  return `cleanup runs ${CADENCE_LABEL[policy.cadence]}${next}`;
}

function projectCrumbs(project: string) {
  return [
    ...namespaceCrumbs(project, (prefix, isLast) =>
      isLast ? paths.projectRegistry(prefix) : paths.groupRegistry(prefix),
    ),
    { label: 'Container registry' },
  ];
}

export function ProjectRegistryPage({ project: projectPath }: { project: string }) {
  const project = useProject(projectPath);
  const session = useSession();
  const list = useRepositoryListState();
  const disabled = project.data?.container_registry_access_level === 'disabled';
  const repositories = useListProjectRepositories(
    projectPath,
    list.params,
    Boolean(project.data) && !disabled,
  );
  const [deleting, setDeleting] = useState<ContainerRepository | null>(null);

  if (project.isError) {
    return (
      <>
        <Breadcrumb items={projectCrumbs(projectPath)} />
        <ErrorPanel error={project.error} onRetry={() => project.refetch()} />
      </>
    );
  }
  if (!project.data || session.isPending) {
    return (
      <>
        <Breadcrumb items={projectCrumbs(projectPath)} />
        <Loading label="Loading the container registry" />
      </>
    );
  }
  const abilities = projectAbilities(project.data, session.data);
  const data = repositories.data;
  const totalSize = data?.items.reduce((sum, repository) => sum + (repository.size ?? 0), 0);

  return (
    <>
      <Breadcrumb items={projectCrumbs(projectPath)} />
      <div className="page-header">
        <div className="title-block">
          <h1>Container registry</h1>
          <div className="meta">
            {disabled ? (
              <span>Turned off</span>
            ) : data ? (
              <>
                <span>{plural(data.total, 'image repository', 'image repositories')}</span>
                {totalSize !== undefined && data.total > 0 && data.totalPages === 1 ? (
                  <span>{formatBytes(totalSize)}</span>
                ) : null}
                <span>{cleanupSummary(project.data)}</span>
              </>
            ) : (
              <span className="skeleton" style={{ width: 240 }} />
            )}
          </div>
        </div>
        {disabled ? null : <CliCommandsMenu commands={project.data.registry_ci.commands} />}
        {abilities.manageSettings ? (
          <Link className="btn" to={paths.projectSettings(projectPath)}>
            <GearIcon />
            Cleanup policy
          </Link>
        ) : null}
      </div>
      {disabled ? (
        <EmptyState
          title="The container registry is turned off for this project"
          actions={
            abilities.manageSettings ? (
              <Link className="btn btn-primary" to={paths.projectSettings(projectPath)}>
                Turn it on in settings
              </Link>
            ) : null
          }
        >
          <p>
            {abilities.manageSettings
              ? 'Images cannot be pushed or pulled until a maintainer turns the registry on.'
              : 'Images cannot be pushed or pulled. Ask a maintainer of this project to turn the registry on.'}
          </p>
        </EmptyState>
      ) : (
        <RepositoryList
          list={list}
          query={repositories}
          onDelete={abilities.deleteImages ? setDeleting : undefined}
          emptyState={
            <EmptyState title="No container images stored for this project">
              <p>
                With the container registry, every project can have its own space to store its images. Log in,
                build and push an image with these commands:
              </p>
              <CommandList commands={project.data.registry_ci.commands} />
            </EmptyState>
          }
        />
      )}
      {deleting ? <DeleteRepositoryDialog repository={deleting} onClose={() => setDeleting(null)} /> : null}
    </>
  );
}
