import { lazy, Suspense } from 'react';
import { Navigate, useLocation } from 'react-router';
import { matchLocation, paths } from '../shared/paths';
import { Loading } from '../shared/ui/states';
import { NotFound } from './route-error';

const ProjectRegistryPage = lazy(() =>
  import('../features/repositories/routes/project-registry-page').then((m) => ({
    default: m.ProjectRegistryPage,
  })),
);
const GroupRegistryPage = lazy(() =>
  import('../features/repositories/routes/group-registry-page').then((m) => ({
    default: m.GroupRegistryPage,
  })),
);
const RepositoryPage = lazy(() =>
  import('../features/tags/routes/repository-page').then((m) => ({ default: m.RepositoryPage })),
);
const RegistrySettingsPage = lazy(() =>
  import('../features/settings/routes/registry-settings-page').then((m) => ({
    default: m.RegistrySettingsPage,
  })),
);
const DeployTokensPage = lazy(() =>
  import('../features/tokens/routes/deploy-tokens-page').then((m) => ({ default: m.DeployTokensPage })),
);

/** Paths with nested namespaces cannot be written as route patterns; they are resolved here. */
export function PathRoute() {
  const location = useLocation();
  const matched = matchLocation(location.pathname);
  const page = (() => {
    switch (matched.kind) {
      case 'project-registry':
        return <ProjectRegistryPage key={matched.project} project={matched.project} />;
      case 'repository':
        return (
          <RepositoryPage
            key={`${matched.project}:${matched.repositoryId}`}
            project={matched.project}
            repositoryId={matched.repositoryId}
          />
        );
      case 'group-registry':
        return <GroupRegistryPage key={matched.group} group={matched.group} />;
      case 'project-settings':
        return <RegistrySettingsPage key={matched.project} project={matched.project} />;
      case 'deploy-tokens':
        return <DeployTokensPage key={matched.project} project={matched.project} />;
      case 'project':
        return <Navigate replace to={paths.projectRegistry(matched.project)} />;
      case 'group':
        return <Navigate replace to={paths.groupRegistry(matched.group)} />;
      default:
        return <NotFound />;
    }
  })();
  return <Suspense fallback={<Loading label="Loading page" />}>{page}</Suspense>;
}
