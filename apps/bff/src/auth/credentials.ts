import type { DeployTokenScope, PersonalAccessTokenScope } from '@berth/contract';
import type { Actor } from '../access/access.js';
import type { UserRow } from '../db/schema.js';
import {
  isDeployTokenExpired,
  isPersonalAccessTokenActive,
  parseScopes,
  type TokenService,
} from '../domain/tokens.js';
import type { UserService } from '../domain/users.js';
import type { PasswordSignIn } from './password-sign-in.js';

export const JOB_TOKEN_USERNAME = 'gitlab-ci-token';
/** GitLab's user name for presenting an OAuth token as a password. */
const OAUTH_USERNAME = 'oauth2';

/**
 * Turns a presented credential into an Actor, or undefined when it is wrong, revoked, expired or its
 * user is blocked. Everything is read per request, so revoking, blocking or removing a member takes
 * effect at once.
 */
export class CredentialResolver {
  constructor(
    private readonly users: UserService,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordSignIn,
  ) {}

  private async activeUser(userId: number): Promise<UserRow | undefined> {
    const user = await this.users.findById(userId);
    return user?.state === 'active' ? user : undefined;
  }

  /** Throttled (see PasswordSignIn): throws ThrottledError while the account or address is blocked. */
  async password(login: string, password: string, clientAddress: string): Promise<Actor | undefined> {
    const user = await this.passwords.verify(login, password, clientAddress);
    return user && { kind: 'user', user: await this.users.principal(user), scopes: 'all' };
  }

  async personalAccessToken(secret: string, now: Date): Promise<Actor | undefined> {
    const row = await this.tokens.findPersonalAccessTokenBySecret(secret);
    if (!row || !isPersonalAccessTokenActive(row, now)) return undefined;
    const user = await this.activeUser(row.user_id);
    if (!user) return undefined;
    await this.tokens.touchPersonalAccessToken(row.id);
    return {
      kind: 'user',
      user: await this.users.principal(user),
      scopes: parseScopes<PersonalAccessTokenScope>(row.scopes),
    };
  }

  async oauthToken(secret: string, now: Date): Promise<Actor | undefined> {
    const row = await this.tokens.findOAuthTokenBySecret(secret, now);
    const user = row && (await this.activeUser(row.user_id));
    return (
      user && {
        kind: 'user',
        user: await this.users.principal(user),
        scopes: parseScopes<PersonalAccessTokenScope>(row.scopes),
      }
    );
  }

  async jobToken(secret: string, now: Date): Promise<Actor | undefined> {
    const row = await this.tokens.findJobTokenBySecret(secret, now);
    const user = row && (await this.activeUser(row.user_id));
    return user && { kind: 'job', user: await this.users.principal(user), projectId: row.project_id };
  }

  async deployToken(username: string, secret: string, now: Date): Promise<Actor | undefined> {
    const row = await this.tokens.findDeployTokenBySecret(username, secret);
    if (!row || row.revoked === 1 || isDeployTokenExpired(row, now)) return undefined;
    return {
      kind: 'deploy-token',
      username: row.username,
      projectId: row.project_id,
      groupId: row.group_id,
      scopes: parseScopes<DeployTokenScope>(row.scopes),
    };
  }

  async session(
    secret: string,
    now: Date,
  ): Promise<{ actor: Actor; sessionId: number; csrfToken: string } | undefined> {
    const session = await this.tokens.findSessionBySecret(secret, now);
    const user = session && (await this.activeUser(session.user_id));
    if (!session || !user) return undefined;
    return {
      actor: { kind: 'user', user: await this.users.principal(user), scopes: 'all' },
      sessionId: session.id,
      csrfToken: session.csrf_token,
    };
  }

  /** `Authorization: Bearer`: an OAuth token or a personal access token, as GitLab accepts both. */
  async bearer(secret: string, now: Date): Promise<Actor | undefined> {
    return (await this.oauthToken(secret, now)) ?? this.personalAccessToken(secret, now);
  }

  /**
   * HTTP Basic at the token service: a job token for `gitlab-ci-token`, a deploy token with its user
   * name, a personal access token or OAuth token of that user, or the user's password.
   */
  async basic(
    username: string,
    password: string,
    now: Date,
    clientAddress: string,
  ): Promise<Actor | undefined> {
    if (username === JOB_TOKEN_USERNAME) return this.jobToken(password, now);
    if (username === OAUTH_USERNAME) return this.oauthToken(password, now);
    const deploy = await this.deployToken(username, password, now);
    if (deploy) return deploy;
    const token = await this.personalAccessToken(password, now);
    if (token) {
      return token.kind === 'user' && token.user.username.toLowerCase() === username.toLowerCase()
        ? token
        : undefined;
    }
    return this.password(username, password, clientAddress);
  }
}
