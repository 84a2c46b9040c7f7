import type { ContainerExpirationPolicyAttributes, RegistryAccessLevel } from '@berth/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { projectQueryKey, projectWithPolicySchema } from '../../../shared/api/get-project';
import { apiRequest, encodeId } from '../../../shared/api-client';

export interface RegistrySettingsInput {
  project: string;
  container_registry_access_level?: RegistryAccessLevel;
  container_expiration_policy_attributes?: ContainerExpirationPolicyAttributes;
}

/** `PUT /projects/:id` with only the registry settings. */
export const updateProjectRegistrySettings = ({ project, ...body }: RegistrySettingsInput) =>
  apiRequest(projectWithPolicySchema, `/projects/${encodeId(project)}`, { method: 'PUT', body });

export const useUpdateProjectRegistrySettings = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: updateProjectRegistrySettings,
    onSuccess: (project, input) => {
      client.setQueryData(projectQueryKey(input.project), project);
      void client.invalidateQueries({ queryKey: ['projects'] });
    },
  });
};
