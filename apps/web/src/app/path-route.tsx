import type { QueryClient } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Navigate, useLocation } from 'react-router';
import { prefetchGroupRegistry, prefetchProjectRegistry } from '../features/repositories/prefetch';
import { prefetchRepositoryPage } from '../features/tags/prefetch';
import { getProjectQueryOptions } from '../shared/api/get-project';
import { getSessionQueryOptions } from '../shared/api/get-session';
import { matchLocation, paths } from '../shared/paths';
import { Loading } from '../shared/ui/states';
import { pages } from './pages';
import { NotFound } from './route-error';

const ProjectRegistryPage = lazy(() =>
  pages.projectRegistry().then((m) => ({ default: m.ProjectRegistryPage })),
);
const GroupRegistryPage = lazy(() => pages.groupRegistry().then((m) => ({ default: m.GroupRegistryPage })));
const RepositoryPage = lazy(() => pages.repository().then((m) => ({ default: m.RepositoryPage })));
const RegistrySettingsPage = lazy(() =>
  pages.registrySettings().then((m) => ({ default: m.RegistrySettingsPage })),
);
const DeployTokensPage = lazy(() => pages.deployTokens().then((m) => ({ default: m.DeployTokensPage })));

/**
 * Starts a deep link's data and code at once, without waiting for either: the page renders its
 * loading state and fills in as they arrive.
 */
export function prefetchPath(client: QueryClient, url: URL): null {
  const matched = matchLocation(url.pathname);
  void client.prefetchQuery(getSessionQueryOptions());
  switch (matched.kind) {
    case 'project-registry':
      prefetchProjectRegistry(client, matched.project, url.searchParams);
      void pages.projectRegistry();
      break;
    case 'group-registry':
      prefetchGroupRegistry(client, matched.group, url.searchParams);
      void pages.groupRegistry();
      break;
    case 'repository':
      prefetchRepositoryPage(client, matched.project, matched.repositoryId, url.searchParams);
      void pages.repository();
      break;
    case 'project-settings':
      void client.prefetchQuery(getProjectQueryOptions(matched.project));
      void pages.registrySettings();
      break;
    case 'deploy-tokens':
      void client.prefetchQuery(getProjectQueryOptions(matched.project));
      void pages.deployTokens();
      break;
  }
  return null;
}

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
