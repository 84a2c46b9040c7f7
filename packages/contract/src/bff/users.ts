import { z } from 'zod';
import { booleanParam, paginationQuerySchema } from './common.js';
import { displayNameSchema, isReservedUsername } from './text.js';

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]{0,254}$/;
export const usernameSchema = z
  .string()
  .regex(USERNAME_PATTERN, "may contain only letters, digits, '_', '.' and '-', and must not start with '-'")
  .refine((value) => !isReservedUsername(value), 'is reserved');
const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(1024);
const nameSchema = displayNameSchema;

/** What anyone may see of a user (GitLab's `UserBasic`). */
export const userBasicSchema = z.object({
  id: z.number(),
  username: z.string(),
  name: z.string(),
  state: z.enum(['active', 'blocked']),
  avatar_url: z.string().nullable(),
  web_url: z.string(),
});
export type UserBasic = z.infer<typeof userBasicSchema>;

/** The signed-in user and admins see more (GitLab's `UserPublic`/`UserWithAdmin`). */
export const userSchema = userBasicSchema.extend({
  email: z.string(),
  is_admin: z.boolean(),
  created_at: z.string(),
});
export type User = z.infer<typeof userSchema>;

/** `POST /users` by an admin; GitLab options we do not model (skip_confirmation, …) are stripped. */
export const createUserRequestSchema = z.object({
  username: usernameSchema,
  name: nameSchema,
  email: z.email(),
  password: passwordSchema,
  admin: booleanParam.optional(),
});
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

/** Sign-up by anyone: strict, so `admin`, `access_level` or any other field is refused, never applied. */
export const signUpRequestSchema = z.strictObject({
  username: usernameSchema,
  name: nameSchema,
  email: z.email(),
  password: passwordSchema,
});
export type SignUpRequest = z.infer<typeof signUpRequestSchema>;

export const listUsersQuerySchema = paginationQuerySchema.extend({
  username: z.string().optional(),
  search: z.string().optional(),
});

/** `POST /api/v4/session`: cookie sign-in for the SPA. `login` is GitLab's name; `username` is accepted too. */
export const createSessionRequestSchema = z
  .object({
    login: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string(),
  })
  .refine((body) => body.login !== undefined || body.username !== undefined, 'login is missing')
  .transform((body) => ({ login: (body.login ?? body.username) as string, password: body.password }));

export const sessionResponseSchema = z.object({ user: userSchema, csrf_token: z.string() });
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
