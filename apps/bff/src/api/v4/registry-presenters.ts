import type {
  ContainerRepository,
  ContainerRepositoryStatus,
  ContainerTag,
  ImageDetails,
  OciImageConfig,
  RegistryRepository,
  RegistryTag,
} from '@berth/contract';
import type { ProjectRow } from '../../db/schema.js';
import type { RepositoryCleanupState } from '../../domain/cleanup-policies.js';

/** GitLab's JSON for repositories and tags, with the fields the web UI adds; `host` is the external registry host. */
export class RegistryPresenter {
  constructor(private readonly host: string) {}

  repository(
    repository: RegistryRepository,
    project: ProjectRow,
    extras: {
      status?: ContainerRepositoryStatus | undefined;
      cleanup?: RepositoryCleanupState | undefined;
      tags?: RegistryTag[] | undefined;
    } = {},
  ): ContainerRepository {
    return {
      id: repository.id,
      name: repository.path === project.full_path ? '' : repository.path.slice(project.full_path.length + 1),
      path: repository.path,
      project_id: project.id,
      location: `${this.host}/${repository.path}`,
      created_at: repository.created_at,
      cleanup_policy_started_at: extras.cleanup?.cleanupPolicyStartedAt ?? null,
      status: extras.status ?? null,
      expiration_policy_cleanup_status: extras.cleanup?.status ?? 'cleanup_unscheduled',
      tags_count: repository.tags_count,
      size: repository.size_bytes,
      updated_at: repository.updated_at,
      last_published_at: repository.last_published_at,
      project_path: project.full_path,
      project_name: project.name,
      ...(extras.tags ? { tags: extras.tags.map((tag) => this.tagSummary(repository.path, tag.name)) } : {}),
    };
  }

  tagSummary(path: string, name: string) {
    return { name, path: `${path}:${name}`, location: `${this.host}/${path}:${name}` };
  }

  tag(path: string, tag: RegistryTag): ContainerTag {
    // GitLab's revision is the configuration digest without its algorithm.
    const revision = tag.config_digest ? (tag.config_digest.split(':')[1] ?? null) : null;
    return {
      ...this.tagSummary(path, tag.name),
      revision,
      short_revision: revision ? revision.slice(0, 9) : null,
      digest: tag.digest,
      created_at: tag.created_at,
      published_at: tag.published_at,
      total_size: tag.size_bytes,
      config_digest: tag.config_digest,
      media_type: tag.media_type,
      platforms: (tag.references ?? []).map((reference) => ({
        digest: reference.digest,
        media_type: reference.media_type,
        size: reference.size_bytes,
        os: reference.platform?.os ?? null,
        architecture: reference.platform?.architecture ?? null,
        variant: reference.platform?.variant ?? null,
      })),
    };
  }

  /** One image's configuration; environment values are left out, since they can hold secrets. */
  image(
    manifest: { digest: string; mediaType: string; configDigest: string; layers: ImageDetails['layers'] },
    config: OciImageConfig | undefined,
  ): ImageDetails {
    const settings = config?.config;
    return {
      digest: manifest.digest,
      media_type: manifest.mediaType,
      config_digest: manifest.configDigest,
      created: config?.created ?? null,
      os: config?.os ?? null,
      architecture: config?.architecture ?? null,
      variant: config?.variant ?? null,
      entrypoint: settings?.Entrypoint ?? null,
      cmd: settings?.Cmd ?? null,
      working_dir: settings?.WorkingDir || null,
      user: settings?.User || null,
      env: (settings?.Env ?? []).map((entry) => entry.split('=', 1)[0] ?? entry),
      labels: settings?.Labels ?? {},
      exposed_ports: Object.keys(settings?.ExposedPorts ?? {}),
      layers: manifest.layers,
      history: (config?.history ?? []).map((entry) => ({
        created: entry.created ?? null,
        created_by: entry.created_by ?? null,
        empty_layer: entry.empty_layer ?? false,
        comment: entry.comment ?? null,
      })),
    };
  }
}
