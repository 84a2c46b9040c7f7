import { containerExpirationPolicySchema, projectSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { apiRequest, encodeId } from '../api-client';

/** `GET /projects/:id` with the cleanup policy GitLab embeds in it. */
export const projectWithPolicySchema = projectSchema.extend({
  container_expiration_policy: containerExpirationPolicySchema.nullable().optional(),
});
export type ProjectWithPolicy = z.infer<typeof projectWithPolicySchema>;

export const getProject = (fullPath: string, signal?: AbortSignal) =>
  apiRequest(projectWithPolicySchema, `/projects/${encodeId(fullPath)}`, { signal });

export const projectQueryKey = (fullPath: string) => ['project', fullPath] as const;

export const getProjectQueryOptions = (fullPath: string) =>
  queryOptions({
    queryKey: projectQueryKey(fullPath),
    queryFn: ({ signal }) => getProject(fullPath, signal),
    staleTime: 30_000,
  });

export const useProject = (fullPath: string) => useQuery(getProjectQueryOptions(fullPath));
