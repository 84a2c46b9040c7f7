import { personalAccessTokenSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage } from '../../../shared/api-client';

export const listPersonalAccessTokens = (signal?: AbortSignal) =>
  apiPage(personalAccessTokenSchema, '/personal_access_tokens', { signal, query: { per_page: 100 } });

export const personalAccessTokensQueryKey = ['personal-access-tokens'] as const;

export const listPersonalAccessTokensQueryOptions = () =>
  queryOptions({
    queryKey: personalAccessTokensQueryKey,
    queryFn: ({ signal }) => listPersonalAccessTokens(signal),
  });

export const useListPersonalAccessTokens = () => useQuery(listPersonalAccessTokensQueryOptions());
