/** Each page's code, loaded on demand; the route loader starts the download beside the page's data. */
export const pages = {
  projectRegistry: () => import('../features/repositories/routes/project-registry-page'),
  groupRegistry: () => import('../features/repositories/routes/group-registry-page'),
  repository: () => import('../features/tags/routes/repository-page'),
  registrySettings: () => import('../features/settings/routes/registry-settings-page'),
  deployTokens: () => import('../features/tokens/routes/deploy-tokens-page'),
};
