import {
  deleteSelectedTagsRequestSchema,
  getContainerRepositoryQuerySchema,
  idParam,
  type ListContainerRepositoriesQuery,
  listContainerRepositoriesQuerySchema,
  listContainerTagsQuerySchema,
  type RegistryRepository,
  type RegistryRepositoryPage,
  type RegistryTagPage,
  TAG_PATTERN,
  type TagImage,
} from '@berth/contract';
import { type Response, Router } from 'express';
import {
  type Actor,
  type ContainerRegistryPermissions,
  containerRegistryPermissions,
  projectPermissions,
  refusal,
} from '../../access/access.js';
import type { GroupRow, ProjectRow } from '../../db/schema.js';
import { badRequest, notFound } from '../../errors.js';
import { actorOf, context } from '../../http/context.js';
import { setKeysetLinks, setPageHeaders } from '../../http/pagination.js';
import { parse } from '../../http/validate.js';
import { type Manifest, RegistryClient, type RepositoryListOptions } from '../../registry/registry-client.js';
import type { Services } from '../../services.js';
import { RegistryPresenter } from './registry-presenters.js';
import type { LoadedProject, Resources } from './resources.js';

/** What a repository filter may contain; any other character matches no repository path. */
const REPOSITORY_FILTER = /^[a-z0-9._/-]{1,255}$/;
/** What a tag filter may contain; any other character matches no tag name. */
const TAG_FILTER = /^[a-zA-Z0-9._-]{1,128}$/;
/** The registry's deepest offset; GitLab pages past it are empty. */
const OFFSET_MAX = 10_000_000;
/** An index with more platforms than this shows the first ones in the image view. */
const IMAGE_VIEW_PLATFORMS_MAX = 32;
const IMAGE_CONFIG_TYPES = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

const EMPTY_PAGE = { items: [], total: 0 };

/**
 * GitLab's container registry API (`/projects/:id/registry/…`, `/groups/:id/registry/repositories`,
 * `/registry/repositories/:id`) plus the web UI's image view and "delete selected". The registry is
 * reached only through `services.registry`; every permission comes from the access module.
 */
export function containerRegistryRouter(services: Services, resources: Resources): Router {
  const router = Router();
  const { registry, repositoryDeletions } = services;
  const present = new RegistryPresenter(services.config.externalRegistryHost);

  /** The project, when the caller may see its registry; 404 when not the project, 401/403 when not the registry. */
  async function registryProject(
    res: Response,
    rawId: unknown,
    now: Date,
  ): Promise<LoadedProject & { registryPermissions: ContainerRegistryPermissions }> {
    const actor = actorOf(res);
    const loaded = await resources.project(actor, rawId, now);
    const registryPermissions = containerRegistryPermissions(actor, loaded.facts, now);
    if (!registryPermissions.view) throw refusal(actor);
    return { ...loaded, registryPermissions };
  }

  /** The repository `rawId` of `project`; 404 when it does not exist or lives in another project. */
  async function projectRepository(project: ProjectRow, rawId: unknown): Promise<RegistryRepository> {
    const repository = await registry.getRepositoryById(parse(idParam, rawId));
    if (!repository || (await services.projects.findForRepository(repository.path))?.id !== project.id) {
      throw notFound('Repository');
    }
    return repository;
  }

  function tagName(raw: unknown): string {
    if (typeof raw !== 'string' || !TAG_PATTERN.test(raw)) throw badRequest('tag_name is invalid');
    return raw;
  }

  async function presentRepositories(
    repositories: { repository: RegistryRepository; project: ProjectRow }[],
    withTags: boolean | undefined,
  ) {
    const ids = repositories.map(({ repository }) => repository.id);
    const statuses = await repositoryDeletions.statuses(ids);
    const cleanups = await services.cleanupPolicies.statesOf(ids);
    const tags = withTags
      ? await Promise.all(repositories.map(({ repository }) => registry.listAllTags(repository.path)))
      : undefined;
    return repositories.map(({ repository, project }, index) =>
      present.repository(repository, project, {
        status: statuses.get(repository.id),
        cleanup: cleanups.get(repository.id),
        tags: tags?.[index],
      }),
    );
  }

  router.get('/projects/:id/registry/repositories', async (req, res) => {
    const { project } = await registryProject(res, req.params.id, new Date());
    const query = parse(listContainerRepositoriesQuerySchema, req.query);
    const options = repositoryListOptions(query);
    const page = options ? await registry.listRepositories(project.full_path, options) : EMPTY_PAGE;
    setPageHeaders(req, res, page.total, query);
    res.json(
      await presentRepositories(
        page.items.map((repository) => ({ repository, project })),
        query.tags,
      ),
    );
  });

  /**
   * One page of the repositories under a group that the actor may see. Visibility takes one read of
   * the group's repository names from the registry and one of their owning projects here
   * (`registryOwnersOf`), so it never costs more than the group's repositories do. Project paths
   * never nest, so a scope of project paths selects exactly those projects' repositories.
   */
  async function groupRepositoryPage(
    actor: Actor,
    group: GroupRow,
    options: RepositoryListOptions,
    now: Date,
  ): Promise<{
    page: RegistryRepositoryPage;
    owned: { repository: RegistryRepository; project: ProjectRow }[];
  }> {
    const names = await registry.listRepositoryNamesUnder(group.full_path);
    const owners = await services.projects.registryOwnersOf(actor, group, names, now);
    const visible = new Set<string>();
    const hidden = new Set<string>();
    for (const owner of owners.values()) (owner.registryVisible ? visible : hidden).add(owner.fullPath);
    if (visible.size === 0) return { page: EMPTY_PAGE, owned: [] };
    // A repository no project owns has no project path to exclude it by: then only an include list is exact.
    const unowned = owners.size < names.length;
    const page =
      hidden.size === 0 && !unowned
        ? await registry.listRepositories(group.full_path, options)
        : await registry.listRepositoriesInScope(
            group.full_path,
            visible.size <= hidden.size || unowned ? { include: [...visible] } : { exclude: [...hidden] },
            options,
          );
    // A repository pushed after the names were read has no owner looked up yet: it shows on a later request.
    const shown = page.items.flatMap((repository) => {
      const owner = owners.get(repository.path);
      return owner?.registryVisible ? [{ repository, projectId: owner.projectId }] : [];
    });
    const projects = new Map(
      (await services.projects.findByIds([...new Set(shown.map(({ projectId }) => projectId))])).map(
        (project) => [project.id, project],
      ),
    );
    const owned = shown.flatMap(({ repository, projectId }) => {
      const project = projects.get(projectId);
      return project ? [{ repository, project }] : [];
    });
    return { page, owned };
  }

  router.get('/groups/:id/registry/repositories', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const { group } = await resources.group(actor, req.params.id, now);
    const query = parse(listContainerRepositoriesQuerySchema, req.query);
    const options = repositoryListOptions(query);
    const { page, owned } = options
      ? await groupRepositoryPage(actor, group, options, now)
      : { page: EMPTY_PAGE, owned: [] };
    setPageHeaders(req, res, page.total, query);
    res.json(await presentRepositories(owned, query.tags));
  });

  router.get('/registry/repositories/:id', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const query = parse(getContainerRepositoryQuerySchema, req.query);
    const repository = await registry.getRepositoryById(parse(idParam, req.params.id));
    const project = repository && (await services.projects.findForRepository(repository.path));
    if (!repository || !project) throw notFound('Repository');
    const facts = await services.projects.facts(project);
    if (!projectPermissions(actor, facts, now).read) throw notFound('Repository');
    if (!containerRegistryPermissions(actor, facts, now).view) throw refusal(actor);
    const [presented] = await presentRepositories([{ repository, project }], query.tags);
    res.json(presented);
  });

  router.delete('/projects/:id/registry/repositories/:repository_id', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const { project, registryPermissions } = await registryProject(res, req.params.id, now);
    if (!registryPermissions.deleteRepository) throw refusal(actor);
    const repository = await projectRepository(project, req.params.repository_id);
    await repositoryDeletions.schedule(repository.id, project.id, now);
    const log = context(res).log;
    repositoryDeletions.run().catch((error: unknown) => log.warn({ err: error }, 'repository delete failed'));
    res.status(202).json({ message: '202 Accepted' });
  });

  router.get('/projects/:id/registry/repositories/:repository_id/tags', async (req, res) => {
    const { project } = await registryProject(res, req.params.id, new Date());
    const repository = await projectRepository(project, req.params.repository_id);
    const query = parse(listContainerTagsQuerySchema, req.query);
    if (query.last !== undefined && query.before !== undefined) {
      throw badRequest('last and before cannot be given together');
    }
    const sort = { field: query.order_by, direction: query.sort };
    const filter = query.search || undefined;
    const matchesNothing = filter !== undefined && !TAG_FILTER.test(filter);
    let page: RegistryTagPage | undefined;
    if (query.pagination === 'keyset') {
      page = matchesNothing
        ? EMPTY_PAGE
        : await registry.listTags(repository.path, {
            n: query.per_page,
            sort,
            ...(filter ? { filter } : {}),
            ...(query.last !== undefined ? { last: query.last } : {}),
            ...(query.before !== undefined ? { before: query.before } : {}),
          });
      if (page) setKeysetLinks(req, res, page);
    } else {
      const offset = (query.page - 1) * query.per_page;
      page =
        matchesNothing || offset > OFFSET_MAX
          ? EMPTY_PAGE
          : await registry.listTags(repository.path, {
              n: query.per_page,
              offset,
              sort,
              ...(filter ? { filter } : {}),
            });
      if (page) setPageHeaders(req, res, page.total, query);
    }
    if (!page) throw notFound('Repository');
    res.json(page.items.map((tag) => present.tag(repository.path, tag)));
  });

  router.get('/projects/:id/registry/repositories/:repository_id/tags/:tag_name', async (req, res) => {
    const { project } = await registryProject(res, req.params.id, new Date());
    const repository = await projectRepository(project, req.params.repository_id);
    const tag = await registry.getTag(repository.path, tagName(req.params.tag_name));
    if (!tag) throw notFound('Tag');
    res.json(present.tag(repository.path, tag));
  });

  router.delete('/projects/:id/registry/repositories/:repository_id/tags/:tag_name', async (req, res) => {
    const actor = actorOf(res);
    const { project, registryPermissions } = await registryProject(res, req.params.id, new Date());
    if (!registryPermissions.deleteTags) throw refusal(actor);
    const repository = await projectRepository(project, req.params.repository_id);
    const result = await registry.deleteTags(repository.path, [tagName(req.params.tag_name)]);
    if (result.deleted.length === 0) throw notFound('Tag');
    res.status(200).json({});
  });

  /** "Delete selected": the named tags only, answering which were deleted and which were already gone. */
  router.post('/projects/:id/registry/repositories/:repository_id/tags/delete', async (req, res) => {
    const actor = actorOf(res);
    const { project, registryPermissions } = await registryProject(res, req.params.id, new Date());
    if (!registryPermissions.deleteTags) throw refusal(actor);
    const repository = await projectRepository(project, req.params.repository_id);
    const { names } = parse(deleteSelectedTagsRequestSchema, req.body);
    res.json(await registry.deleteTags(repository.path, names));
  });

  /** The image view: configuration, layers and history of the tag's image, or of each platform of its index. */
  router.get('/projects/:id/registry/repositories/:repository_id/tags/:tag_name/image', async (req, res) => {
    const { project } = await registryProject(res, req.params.id, new Date());
    const repository = await projectRepository(project, req.params.repository_id);
    const name = tagName(req.params.tag_name);
    const manifest = await registry.getManifest(repository.path, name);
    if (!manifest) throw notFound('Tag');
    const read = RegistryClient.readManifest(manifest);
    const children =
      read.kind === 'image'
        ? [manifest]
        : await Promise.all(
            read.index.manifests
              .slice(0, IMAGE_VIEW_PLATFORMS_MAX)
              .map((child) => registry.getManifest(repository.path, child.digest)),
          );
    const images = await Promise.all(
      children.map((child) => (child ? imageDetails(registry, present, repository.path, child) : undefined)),
    );
    const answer: TagImage = {
      name,
      digest: manifest.digest,
      media_type: manifest.mediaType,
      images: images.filter((image) => image !== undefined),
    };
    res.json(answer);
  });

  return router;
}

/** The registry query of a GitLab repository list; undefined when its filter can match nothing. */
function repositoryListOptions(query: ListContainerRepositoriesQuery): RepositoryListOptions | undefined {
  const raw = query.search ?? query.name;
  const filter = raw ? raw.toLowerCase() : undefined;
  const offset = (query.page - 1) * query.per_page;
  if ((filter !== undefined && !REPOSITORY_FILTER.test(filter)) || offset > OFFSET_MAX) return undefined;
  return {
    n: query.per_page,
    offset,
    sort: { field: query.order_by, direction: query.sort },
    ...(filter ? { filter } : {}),
  };
}

/** One image of the image view; a child that is not an image (a nested index) is left out. */
async function imageDetails(
  registry: RegistryClient,
  present: RegistryPresenter,
  path: string,
  manifest: Manifest,
) {
  const read = RegistryClient.readManifest(manifest);
  if (read.kind !== 'image') return undefined;
  const { config, layers } = read.image;
  // Attestations and other artifacts carry configs that are not image configurations.
  const imageConfig = IMAGE_CONFIG_TYPES.has(config.mediaType ?? '')
    ? await registry.getImageConfig(path, config.digest)
    : undefined;
  return present.image(
    {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      configDigest: config.digest,
      layers: layers.map((layer) => ({
        digest: layer.digest,
        size: layer.size,
        media_type: layer.mediaType ?? '',
      })),
    },
    imageConfig,
  );
}
