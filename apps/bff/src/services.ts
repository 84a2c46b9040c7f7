import type { Kysely } from 'kysely';
import { CredentialResolver } from './auth/credentials.js';
import { PasswordSignIn } from './auth/password-sign-in.js';
import { SignInThrottle } from './auth/sign-in-throttle.js';
import type { Config } from './config.js';
import type { BffDatabase } from './db/schema.js';
import { CleanupPolicyService } from './domain/cleanup-policies.js';
import { GroupService } from './domain/groups.js';
import { ImagePaths } from './domain/image-paths.js';
import { LeaseService } from './domain/leases.js';
import { MemberService } from './domain/members.js';
import { ProjectService } from './domain/projects.js';
import { RepositoryDeletions } from './domain/repository-deletions.js';
import { TokenService } from './domain/tokens.js';
import { UserService } from './domain/users.js';
import { RegistryClient } from './registry/registry-client.js';
import type { SigningKey } from './token-service/keys.js';

export interface Services {
  config: Config;
  signingKey: SigningKey;
  users: UserService;
  groups: GroupService;
  projects: ProjectService;
  members: MemberService;
  tokens: TokenService;
  imagePaths: ImagePaths;
  passwords: PasswordSignIn;
  credentials: CredentialResolver;
  registry: RegistryClient;
  repositoryDeletions: RepositoryDeletions;
  leases: LeaseService;
  cleanupPolicies: CleanupPolicyService;
}

export function createServices(
  db: Kysely<BffDatabase>,
  config: Config,
  signingKey: SigningKey,
  registry: RegistryClient = new RegistryClient({
    baseUrl: config.registryUrl,
    signingKey,
    issuer: config.tokenIssuer,
  }),
): Services {
  const users = new UserService(db);
  const tokens = new TokenService(db, config);
  const passwords = new PasswordSignIn(users, new SignInThrottle(db));
  return {
    config,
    signingKey,
    users,
    groups: new GroupService(db),
    projects: new ProjectService(db),
    members: new MemberService(db),
    tokens,
    passwords,
    imagePaths: new ImagePaths(db, registry),
    credentials: new CredentialResolver(users, tokens, passwords),
    registry,
    repositoryDeletions: new RepositoryDeletions(db, registry),
    leases: new LeaseService(db),
    cleanupPolicies: new CleanupPolicyService(db),
  };
}
