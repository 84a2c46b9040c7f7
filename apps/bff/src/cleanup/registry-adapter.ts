import {
  REGISTRY_BULK_DELETE_MAX,
  REGISTRY_PAGE_SIZE_MAX,
  registryBulkTagDeleteResultSchema,
  registryErrorBodySchema,
  registryRepositoryListSchema,
  registryTagListSchema,
} from '@berth/contract';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { AppError, notFound } from '../errors.js';
import { signRegistryToken } from '../token-service/jwt.js';
import type { SigningKey } from '../token-service/keys.js';
import type { CleanupRegistry, CleanupRepository } from './registry-port.js';
import type { TagFacts } from './tag-rules.js';

const SERVICE = 'container_registry';

/** The `rel="next"` target of a `Link` header, resolved against the registry's URL. */
function nextLink(header: string | null, base: URL): URL | undefined {
  const match = header && /<([^>]+)>;\s*rel="next"/.exec(header);
  return match?.[1] ? new URL(match[1], base) : undefined;
}

/** Tag cleanup's view of the registry's `/berth/v1/` API, with an admin token minted per call. */
export function registryCleanupAdapter(config: Config, signingKey: SigningKey): CleanupRegistry {
  const base = config.registryUrl;

  async function call<T extends z.ZodType>(
    url: URL,
    schema: T,
    init: { method?: string; body?: unknown } = {},
  ): Promise<{ body: z.output<T>; response: Response }> {
    const { token } = signRegistryToken(
      signingKey,
      {
        iss: config.tokenIssuer,
        aud: SERVICE,
        sub: 'berth-bff',
        access: [{ type: 'registry', name: 'berth', actions: ['*'] }],
      },
      new Date(),
    );
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const code = registryErrorBodySchema.safeParse(json).data?.errors[0]?.code;
      if (response.status === 404 || code === 'NAME_UNKNOWN') throw notFound('Repository');
      throw new AppError('bad_request', `registry answered ${response.status} ${code ?? ''}`.trim());
    }
    return { body: schema.parse(json), response };
  }

  /** Follows `Link: rel="next"` until the last page. */
  async function all<T extends z.ZodType<unknown[]>>(first: URL, schema: T): Promise<z.output<T>> {
    const rows: unknown[] = [];
    for (let url: URL | undefined = first; url; ) {
      const { body, response } = await call(url, schema);
      rows.push(...(body as unknown[]));
      url = nextLink(response.headers.get('link'), base);
    }
    return rows as z.output<T>;
  }

  return {
    async projectRepositories(projectPath: string): Promise<CleanupRepository[]> {
      const url = new URL(`/berth/v1/repository-paths/${projectPath}/repositories/list/`, base);
      url.searchParams.set('n', String(REGISTRY_PAGE_SIZE_MAX));
      try {
        const repositories = await all(url, registryRepositoryListSchema);
        return repositories.map((repository) => ({ id: repository.id, path: repository.path }));
      } catch (error) {
        // A project that never had an image has no repositories.
        if (error instanceof AppError && error.kind === 'not_found') return [];
        throw error;
      }
    },

    async allTags(repositoryPath: string): Promise<TagFacts[]> {
      const url = new URL(`/berth/v1/repositories/${repositoryPath}/tags/list/`, base);
      url.searchParams.set('n', String(REGISTRY_PAGE_SIZE_MAX));
      const tags = await all(url, registryTagListSchema);
      return tags.map((tag) => ({ name: tag.name, publishedAt: tag.published_at }));
    },

    async deleteTags(repositoryPath: string, names: readonly string[]) {
      if (names.length > REGISTRY_BULK_DELETE_MAX) throw new Error('too many tags for one registry delete');
      const { body } = await call(
        new URL(`/berth/v1/repositories/${repositoryPath}/tags/`, base),
        registryBulkTagDeleteResultSchema,
        { method: 'DELETE', body: { names } },
      );
      return { deleted: body.deleted, notFound: body.not_found };
    },
  };
}
