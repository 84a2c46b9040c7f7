/**
 * The web app's URLs, in GitLab's shapes so shared links keep working. Features link with these and
 * the app's router resolves them with `matchLocation`.
 */
export const paths = {
  home: () => '/',
  explore: () => '/explore',
  signIn: (redirectTo?: string) =>
    redirectTo && redirectTo !== '/'
      ? `/users/sign_in?redirect_to=${encodeURIComponent(redirectTo)}`
      : '/users/sign_in',
  personalAccessTokens: () => '/-/user_settings/personal_access_tokens',
  projectRegistry: (project: string) => `/${project}/container_registry`,
  repository: (project: string, repositoryId: number) => `/${project}/container_registry/${repositoryId}`,
  projectSettings: (project: string) => `/${project}/-/settings/packages_and_registries`,
  deployTokens: (project: string) => `/${project}/-/settings/repository`,
  groupRegistry: (group: string) => `/groups/${group}/-/container_registries`,
};

export type MatchedLocation =
  | { kind: 'group-registry'; group: string }
  | { kind: 'project-settings'; project: string }
  | { kind: 'deploy-tokens'; project: string }
  | { kind: 'repository'; project: string; repositoryId: number }
  | { kind: 'project-registry'; project: string }
  | { kind: 'project'; project: string }
  | { kind: 'group'; group: string }
  | { kind: 'not-found' };

const SEGMENT = /^[a-z0-9][a-z0-9._-]*$/i;
const isPath = (value: string, minSegments: number) => {
  const segments = value.split('/');
  return segments.length >= minSegments && segments.every((segment) => SEGMENT.test(segment));
};

/** Resolves a pathname with nested namespaces (`/acme/tools/shop/container_registry/17`). */
export function matchLocation(pathname: string): MatchedLocation {
  const path = decodeURIComponent(pathname).replace(/^\/+|\/+$/g, '');
  let match = /^groups\/(.+)\/-\/container_registries$/.exec(path);
  if (match?.[1] && isPath(match[1], 1)) return { kind: 'group-registry', group: match[1] };
  match = /^groups\/(.+)$/.exec(path);
  if (match?.[1] && isPath(match[1], 1)) return { kind: 'group', group: match[1] };
  match = /^(.+)\/-\/settings\/packages_and_registries$/.exec(path);
  if (match?.[1] && isPath(match[1], 2)) return { kind: 'project-settings', project: match[1] };
  match = /^(.+)\/-\/settings\/repository$/.exec(path);
  if (match?.[1] && isPath(match[1], 2)) return { kind: 'deploy-tokens', project: match[1] };
  match = /^(.+)\/container_registry\/(\d+)$/.exec(path);
  if (match?.[1] && match[2] && isPath(match[1], 2))
    return { kind: 'repository', project: match[1], repositoryId: Number(match[2]) };
  match = /^(.+)\/container_registry$/.exec(path);
  if (match?.[1] && isPath(match[1], 2)) return { kind: 'project-registry', project: match[1] };
  if (isPath(path, 2) && !path.split('/').includes('container_registry'))
    return { kind: 'project', project: path };
  return { kind: 'not-found' };
}
