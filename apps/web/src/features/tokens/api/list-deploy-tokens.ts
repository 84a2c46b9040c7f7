import { deployTokenSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage, encodeId } from '../../../shared/api-client';

export const listDeployTokens = (project: string, signal?: AbortSignal) =>
  apiPage(deployTokenSchema, `/projects/${encodeId(project)}/deploy_tokens`, {
    signal,
    query: { per_page: 100 },
  });

export const deployTokensQueryKey = (project: string) => ['deploy-tokens', project] as const;

export const listDeployTokensQueryOptions = (project: string) =>
  queryOptions({
    queryKey: deployTokensQueryKey(project),
    queryFn: ({ signal }) => listDeployTokens(project, signal),
  });

export const useListDeployTokens = (project: string, enabled: boolean) =>
  useQuery({ ...listDeployTokensQueryOptions(project), enabled });
