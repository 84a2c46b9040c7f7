import { z } from 'zod';
import { dateParam, listParam, paginationQuerySchema } from './common.js';
import { displayNameSchema, isReservedUsername } from './text.js';

export const personalAccessTokenScopeSchema = z.enum(['api', 'read_api', 'read_registry', 'write_registry']);
export type PersonalAccessTokenScope = z.infer<typeof personalAccessTokenScopeSchema>;

export const personalAccessTokenSchema = z.object({
  id: z.number(),
  name: z.string(),
  revoked: z.boolean(),
  created_at: z.string(),
  scopes: z.array(personalAccessTokenScopeSchema),
  user_id: z.number(),
  last_used_at: z.string().nullable(),
  active: z.boolean(),
  expires_at: z.string().nullable(),
});
export type PersonalAccessToken = z.infer<typeof personalAccessTokenSchema>;

/** Only the answer to a create carries the secret, once. */
export const createdPersonalAccessTokenSchema = personalAccessTokenSchema.extend({ token: z.string() });

export const createPersonalAccessTokenRequestSchema = z.object({
  name: displayNameSchema,
  scopes: listParam(personalAccessTokenScopeSchema).pipe(z.array(personalAccessTokenScopeSchema).min(1)),
  expires_at: dateParam.optional(),
});
export type CreatePersonalAccessTokenRequest = z.infer<typeof createPersonalAccessTokenRequestSchema>;

export const listPersonalAccessTokensQuerySchema = paginationQuerySchema.extend({
  user_id: z.coerce.number().int().optional(),
  state: z.enum(['active', 'inactive']).optional(),
  revoked: z.enum(['true', 'false']).optional(),
});

export const deployTokenScopeSchema = z.enum(['read_registry', 'write_registry']);
export type DeployTokenScope = z.infer<typeof deployTokenScopeSchema>;

export const deployTokenSchema = z.object({
  id: z.number(),
  name: z.string(),
  username: z.string(),
  expires_at: z.string().nullable(),
  scopes: z.array(deployTokenScopeSchema),
  revoked: z.boolean(),
  expired: z.boolean(),
});
export type DeployToken = z.infer<typeof deployTokenSchema>;
export const createdDeployTokenSchema = deployTokenSchema.extend({ token: z.string() });

export const DEPLOY_TOKEN_USERNAME_PATTERN = /^[a-zA-Z0-9_.+-]{1,255}$/;
export const createDeployTokenRequestSchema = z.object({
  name: displayNameSchema,
  scopes: listParam(deployTokenScopeSchema).pipe(z.array(deployTokenScopeSchema).min(1)),
  /** GitLab sends an ISO date-time; a plain date is accepted too. */
  expires_at: z.union([z.iso.datetime({ offset: true }), dateParam]).optional(),
  username: z
    .string()
    .regex(DEPLOY_TOKEN_USERNAME_PATTERN)
    .refine((name) => !isReservedUsername(name), 'is reserved')
    .optional(),
});
export type CreateDeployTokenRequest = z.infer<typeof createDeployTokenRequestSchema>;

/** Berth's way to mint a CI job token for a project (GitLab mints them per job). */
export const createJobTokenRequestSchema = z.object({
  /** Lifetime in seconds: a job's length; default one hour, at most a day. */
  expires_in: z.coerce.number().int().min(60).max(86_400).default(3600),
});
export const jobTokenSchema = z.object({
  /** For `DELETE /projects/:id/job_tokens/:token_id`. */
  id: z.number(),
  token: z.string(),
  user: z.literal('gitlab-ci-token'),
  project_id: z.number(),
  expires_at: z.string(),
  ci_variables: z.object({
    CI_REGISTRY: z.string(),
    CI_REGISTRY_IMAGE: z.string(),
    CI_REGISTRY_USER: z.literal('gitlab-ci-token'),
    CI_JOB_TOKEN: z.string(),
    CI_REGISTRY_PASSWORD: z.string(),
  }),
});
export type JobToken = z.infer<typeof jobTokenSchema>;

/** `POST /oauth/token` (resource owner password grant), GitLab-compatible, for scripts. */
export const oauthTokenRequestSchema = z.object({
  grant_type: z.literal('password'),
  username: z.string(),
  password: z.string(),
  scope: z.string().optional(),
});
export const oauthTokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
  scope: z.string(),
  created_at: z.number(),
});
export type OAuthTokenResponse = z.infer<typeof oauthTokenResponseSchema>;

/** `POST /oauth/revoke` (RFC 7009): revokes an OAuth access token. */
export const oauthRevokeRequestSchema = z.object({
  token: z.string().min(1),
  token_type_hint: z.string().optional(),
});

/** `GET /jwt/auth` query (distribution token spec); `scope` may repeat. */
export const tokenServiceQuerySchema = z.object({
  service: z.string().min(1).default('container_registry'),
  scope: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])),
  account: z.string().optional(),
  client_id: z.string().optional(),
  offline_token: z.string().optional(),
});
export const tokenServiceResponseSchema = z.object({
  token: z.string(),
  access_token: z.string(),
  expires_in: z.number(),
  issued_at: z.string(),
});
export type TokenServiceResponse = z.infer<typeof tokenServiceResponseSchema>;

export const registryAccessEntrySchema = z.object({
  type: z.string(),
  name: z.string(),
  actions: z.array(z.string()),
});
export type RegistryAccessEntry = z.infer<typeof registryAccessEntrySchema>;

export const jwksSchema = z.object({
  keys: z.array(
    z.object({
      kty: z.string(),
      crv: z.string(),
      x: z.string(),
      y: z.string(),
      kid: z.string(),
      alg: z.literal('ES256'),
      use: z.literal('sig'),
    }),
  ),
});
