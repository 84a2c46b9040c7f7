import type { Kysely } from 'kysely';
import { CredentialResolver } from './auth/credentials.js';
import { PasswordSignIn } from './auth/password-sign-in.js';
import { SignInThrottle } from './auth/sign-in-throttle.js';
import type { Config } from './config.js';
import type { BffDatabase } from './db/schema.js';
import { GroupService } from './domain/groups.js';
import { MemberService } from './domain/members.js';
import { ProjectService } from './domain/projects.js';
import { TokenService } from './domain/tokens.js';
import { UserService } from './domain/users.js';
import type { SigningKey } from './token-service/keys.js';

export interface Services {
  config: Config;
  signingKey: SigningKey;
  users: UserService;
  groups: GroupService;
  projects: ProjectService;
  members: MemberService;
  tokens: TokenService;
  passwords: PasswordSignIn;
  credentials: CredentialResolver;
}

export function createServices(db: Kysely<BffDatabase>, config: Config, signingKey: SigningKey): Services {
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
    credentials: new CredentialResolver(users, tokens, passwords),
  };
}
