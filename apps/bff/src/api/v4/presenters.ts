import type {
  DeployToken,
  Group,
  Member,
  PersonalAccessToken,
  Project,
  ProjectRegistryCi,
  User,
  UserBasic,
} from '@berth/contract';
import type { ProjectPermissions } from '../../access/access.js';
import { JOB_TOKEN_USERNAME } from '../../auth/credentials.js';
import type { Config } from '../../config.js';
import type {
  DeployTokenRow,
  GroupRow,
  MemberRow,
  PersonalAccessTokenRow,
  ProjectRow,
  UserRow,
} from '../../db/schema.js';
import { isDeployTokenExpired, isPersonalAccessTokenActive, parseScopes } from '../../domain/tokens.js';

/** The CI variables and docker commands of a project's registry, from the host clients use. */
export function registryCi(registryHost: string, projectFullPath: string): ProjectRegistryCi {
  const image = `${registryHost}/${projectFullPath}`;
  return {
    variables: { CI_REGISTRY: registryHost, CI_REGISTRY_IMAGE: image, CI_REGISTRY_USER: JOB_TOKEN_USERNAME },
    commands: {
      login: `docker login ${registryHost}`,
      build: `docker build -t ${image} .`,
      push: `docker push ${image}`,
    },
  };
}

/** Rows to GitLab's JSON shapes (field names as GitLab's API documents them). */
export class Presenter {
  constructor(private readonly config: Config) {}

  private webUrl(path: string): string {
    return new URL(path, this.config.externalUrl).toString();
  }

  userBasic(user: UserRow): UserBasic {
    return {
      id: user.id,
      username: user.username,
      name: user.name,
      state: user.state,
      avatar_url: null,
      web_url: this.webUrl(user.username),
    };
  }

  user(user: UserRow): User {
    return {
      ...this.userBasic(user),
      email: user.email,
      is_admin: user.is_admin === 1,
      created_at: user.created_at,
    };
  }

  group(group: GroupRow, fullName: string): Group {
    return {
      id: group.id,
      name: group.name,
      path: group.path,
      full_name: fullName,
      full_path: group.full_path,
      description: group.description,
      visibility: group.visibility,
      parent_id: group.parent_id,
      web_url: this.webUrl(`groups/${group.full_path}`),
      avatar_url: null,
      created_at: group.created_at,
    };
  }

  project(
    project: ProjectRow,
    group: GroupRow,
    groupFullName: string,
    permissions: ProjectPermissions,
    directLevel: number | undefined,
  ): Project {
    const ci = registryCi(this.config.externalRegistryHost, project.full_path);
    return {
      id: project.id,
      name: project.name,
      path: project.path,
      name_with_namespace: `${groupFullName} / ${project.name}`,
      path_with_namespace: project.full_path,
      description: project.description,
      visibility: project.visibility,
      namespace: {
        id: group.id,
        name: group.name,
        path: group.path,
        kind: 'group',
        full_path: group.full_path,
        parent_id: group.parent_id,
        web_url: this.webUrl(`groups/${group.full_path}`),
      },
      container_registry_enabled: project.container_registry_access_level !== 'disabled',
      container_registry_access_level: project.container_registry_access_level,
      container_registry_image_prefix: ci.variables.CI_REGISTRY_IMAGE,
      registry_ci: ci,
      created_at: project.created_at,
      last_activity_at: project.last_activity_at,
      web_url: this.webUrl(project.full_path),
      permissions: {
        project_access: directLevel ? { access_level: directLevel } : null,
        group_access:
          permissions.accessLevel > 0 && permissions.accessLevel !== directLevel
            ? { access_level: permissions.accessLevel }
            : null,
      },
    };
  }

  member(member: MemberRow, user: UserRow): Member {
    return {
      ...this.userBasic(user),
      access_level: member.access_level,
      created_at: member.created_at,
      expires_at: member.expires_at,
    };
  }

  personalAccessToken(row: PersonalAccessTokenRow, now: Date): PersonalAccessToken {
    return {
      id: row.id,
      name: row.name,
      revoked: row.revoked === 1,
      created_at: row.created_at,
      scopes: parseScopes(row.scopes),
      user_id: row.user_id,
      last_used_at: row.last_used_at,
      active: isPersonalAccessTokenActive(row, now),
      expires_at: row.expires_at,
    };
  }

  deployToken(row: DeployTokenRow, now: Date): DeployToken {
    return {
      id: row.id,
      name: row.name,
      username: row.username,
      expires_at: row.expires_at,
      scopes: parseScopes(row.scopes),
      revoked: row.revoked === 1,
      expired: isDeployTokenExpired(row, now),
    };
  }
}
