import { type ContainerExpirationPolicyAttributes, cleanupPreviewSchema } from '@berth/contract';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, encodeId } from '../../../shared/api-client';

/** `POST /projects/:id/registry/cleanup_policy/preview`: what the policy being edited would delete now. */
export const previewCleanupPolicy = (
  project: string,
  policy: ContainerExpirationPolicyAttributes,
  signal?: AbortSignal,
) =>
  apiRequest(cleanupPreviewSchema, `/projects/${encodeId(project)}/registry/cleanup_policy/preview`, {
    method: 'POST',
    body: policy,
    signal,
  });

export const previewCleanupPolicyQueryOptions = (
  project: string,
  policy: ContainerExpirationPolicyAttributes,
) =>
  queryOptions({
    queryKey: ['cleanup-preview', project, policy],
    queryFn: ({ signal }) => previewCleanupPolicy(project, policy, signal),
    placeholderData: keepPreviousData,
    retry: false,
  });

export const usePreviewCleanupPolicy = (
  project: string,
  policy: ContainerExpirationPolicyAttributes,
  enabled: boolean,
) => useQuery({ ...previewCleanupPolicyQueryOptions(project, policy), enabled });
