import { Link } from 'react-router';
import { useProject } from '../../../shared/api/get-project';
import { useSession } from '../../../shared/api/get-session';
import { paths } from '../../../shared/paths';
import { projectAbilities } from '../../../shared/permissions';
import { Breadcrumb, namespaceCrumbs } from '../../../shared/ui/breadcrumb';
import { EmptyState, ErrorPanel, Loading } from '../../../shared/ui/states';
import { CleanupPolicyForm } from '../components/cleanup-policy-form';
import { RegistryAccessForm } from '../components/registry-access-form';
import './settings.css';

export function RegistrySettingsPage({ project: projectPath }: { project: string }) {
  const project = useProject(projectPath);
  const session = useSession();
  const crumbs = [
    ...namespaceCrumbs(projectPath, (prefix, isLast) =>
      isLast ? paths.projectRegistry(prefix) : paths.groupRegistry(prefix),
    ),
    { label: 'Packages and registries settings' },
  ];
  if (project.isError) {
    return (
      <>
        <Breadcrumb items={crumbs} />
        <ErrorPanel error={project.error} onRetry={() => project.refetch()} />
      </>
    );
  }
  if (!project.data || session.isPending) {
    return (
      <>
        <Breadcrumb items={crumbs} />
        <Loading label="Loading settings" />
      </>
    );
  }
  const abilities = projectAbilities(project.data, session.data);
  return (
    <>
      <Breadcrumb items={crumbs} />
      <div className="page-header">
        <div className="title-block">
          <h1>Packages and registries</h1>
          <div className="meta">
            <span>{project.data.name_with_namespace}</span>
          </div>
        </div>
        {abilities.manageDeployTokens ? (
          <Link className="btn" to={paths.deployTokens(projectPath)}>
            Deploy tokens
          </Link>
        ) : null}
      </div>
      {!abilities.manageSettings ? (
        <EmptyState
          title="You do not have permission to change these settings"
          actions={<Link to={paths.projectRegistry(projectPath)}>Back to the container registry</Link>}
        >
          <p>Only Maintainers and Owners of this project can change its registry and cleanup policy.</p>
        </EmptyState>
      ) : (
        <div className="stack">
          <RegistryAccessForm project={project.data} />
          <CleanupPolicyForm project={project.data} />
        </div>
      )}
    </>
  );
}
