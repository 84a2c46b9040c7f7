import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * Timestamps are ISO-8601 UTC strings and booleans are 0/1 integers in both dialects, so one code path
 * reads both and string comparison orders time.
 */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  name: string;
  email: string;
  password_hash: string;
  is_admin: number;
  state: 'active' | 'blocked';
  created_at: string;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  csrf_token: string;
  user_id: number;
  created_at: string;
  expires_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  path: string;
  /** Denormalised `parent/…/path`: ancestors are its prefixes, and image names start with it. */
  full_path: string;
  parent_id: number | null;
  visibility: 'private' | 'internal' | 'public';
  description: string;
  created_at: string;
  /** `user`: a user's personal namespace (GitLab's `namespace.kind`), never a parent of groups. */
  kind: ColumnType<'group' | 'user', 'group' | 'user' | undefined, never>;
  /** The user whose personal namespace this is; null for groups. */
  owner_id: ColumnType<number | null, number | null | undefined, never>;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  path: string;
  full_path: string;
  namespace_id: number;
  visibility: 'private' | 'internal' | 'public';
  container_registry_access_level: 'enabled' | 'private' | 'disabled';
  description: string;
  created_at: string;
  last_activity_at: string;
}

export interface MembersTable {
  id: Generated<number>;
  source_type: 'group' | 'project';
  source_id: number;
  user_id: number;
  access_level: number;
  expires_at: string | null;
  created_at: string;
}

export interface PersonalAccessTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  /** JSON array of scope names. */
  scopes: string;
  expires_at: string | null;
  revoked: number;
  created_at: string;
  last_used_at: string | null;
}

export interface OAuthTokensTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  scopes: string;
  expires_at: string;
  created_at: string;
}

export interface DeployTokensTable {
  id: Generated<number>;
  project_id: number | null;
  group_id: number | null;
  name: string;
  username: string;
  token_hash: string;
  scopes: string;
  expires_at: string | null;
  revoked: number;
  created_at: string;
}

export interface JobTokensTable {
  id: Generated<number>;
  project_id: number;
  user_id: number;
  token_hash: string;
  expires_at: string;
  created_at: string;
}

/** A repository delete the registry has not finished; `repository_id` is the registry's id. */
export interface ContainerRepositoryDeletionsTable {
  repository_id: number;
  project_id: number;
  status: 'delete_scheduled' | 'delete_ongoing' | 'delete_failed';
  scheduled_at: string;
  updated_at: string;
}

/** A named lock held by `holder` until `expires_at`; taken over by anyone once expired. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface ContainerExpirationPoliciesTable {
  project_id: number;
  enabled: number;
  cadence: string;
  keep_n: number | null;
  older_than: string | null;
  name_regex: string | null;
  name_regex_keep: string | null;
  next_run_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContainerRepositoryCleanupsTable {
  repository_id: number;
  project_id: number;
  path: string;
  /** GitLab's `expiration_policy_cleanup_status`; null once a run finished it (`cleanup_unscheduled`). */
  status: 'cleanup_scheduled' | 'cleanup_ongoing' | 'cleanup_unfinished' | null;
  cleanup_policy_started_at: string | null;
}

/**
 * A project or group path that was deleted or moved away from. A registry token issued before may
 * still push there for its few minutes, so the registry below it is emptied before the path gets a
 * new owner.
 */
export interface ReleasedPathsTable {
  id: Generated<number>;
  full_path: string;
  released_at: string;
}

export interface SignInThrottleTable {
  key: string;
  failures: number;
  last_failure_at: string;
  blocked_until: string | null;
}

/** Only on PostgreSQL, where BFF replicas share the database: the one key they all sign with. */
export interface TokenSigningKeysTable {
  id: number;
  private_key_pem: string;
  created_at: string;
}

export interface BffDatabase {
  users: UsersTable;
  sessions: SessionsTable;
  groups: GroupsTable;
  projects: ProjectsTable;
  members: MembersTable;
  personal_access_tokens: PersonalAccessTokensTable;
  oauth_tokens: OAuthTokensTable;
  deploy_tokens: DeployTokensTable;
  job_tokens: JobTokensTable;
  container_repository_deletions: ContainerRepositoryDeletionsTable;
  leases: LeasesTable;
  container_expiration_policies: ContainerExpirationPoliciesTable;
  container_repository_cleanups: ContainerRepositoryCleanupsTable;
  released_paths: ReleasedPathsTable;
  sign_in_throttle: SignInThrottleTable;
  token_signing_keys: TokenSigningKeysTable;
}

export type UserRow = Selectable<UsersTable>;
export type GroupRow = Selectable<GroupsTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type MemberRow = Selectable<MembersTable>;
export type PersonalAccessTokenRow = Selectable<PersonalAccessTokensTable>;
export type DeployTokenRow = Selectable<DeployTokensTable>;
export type JobTokenRow = Selectable<JobTokensTable>;
export type ContainerExpirationPolicyRow = Selectable<ContainerExpirationPoliciesTable>;
export type ContainerRepositoryCleanupRow = Selectable<ContainerRepositoryCleanupsTable>;
export type NewUser = Insertable<UsersTable>;
