import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

/**
 * The registry's public address as people type it after `docker login`: `host[:port]`. Accepts that form
 * or an http(s) URL with nothing after the host, since both are common in registry configuration.
 */
export function registryHostOf(value: string): string | undefined {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  let url: URL;
  try {
    url = new URL(hasScheme ? value : `http://${value}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  // `new URL` repairs some inputs (spaces, backslashes); accept only what it kept as typed.
  const typed = hasScheme ? value.replace(/^[^:]+:\/\//, '').replace(/\/$/, '') : value;
  return url.host === typed.toLowerCase() ? url.host : undefined;
}

const envSchema = z.object({
  BFF_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  BFF_HOST: z.string().min(1).default('127.0.0.1'),
  BERTH_DATA_DIR: z.string().min(1).default('./data'),
  BFF_DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// URL (leave unset for SQLite)')
      .optional(),
  ),
  BERTH_ROOT_PASSWORD: z.preprocess(
    emptyToUndefined,
    z.string().min(8, 'must be at least 8 characters').optional(),
  ),
  BERTH_TOKEN_ISSUER: z.string().min(1).default('berth-token-service'),
  BERTH_EXTERNAL_REGISTRY_URL: z
    .string()
    .default('127.0.0.1:5000')
    .transform((value, ctx) => {
      const host = registryHostOf(value);
      if (host === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be a host[:port] (registry.example.com, 127.0.0.1:5000) or an http(s) URL without a path',
        });
        return z.NEVER;
      }
      return host;
    }),
  REGISTRY_URL: z.url().default('http://127.0.0.1:5000'),
  /** The SPA's origin and the base of `web_url` fields. */
  BERTH_EXTERNAL_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  BFF_SIGNUP_ENABLED: z.enum(['true', 'false']).default('true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  rootPassword: string | undefined;
  tokenIssuer: string;
  /** `host[:port]` of the registry as clients reach it: image paths, CLI commands, CI variables. */
  externalRegistryHost: string;
  registryUrl: URL;
  externalUrl: URL;
  signupEnabled: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Parses the environment once at start-up; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`,
      ),
    );
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.BERTH_DATA_DIR) ? e.BERTH_DATA_DIR : resolve(e.BERTH_DATA_DIR);
  return {
    port: e.BFF_PORT,
    host: e.BFF_HOST,
    dataDir,
    databaseUrl: e.BFF_DATABASE_URL,
    rootPassword: e.BERTH_ROOT_PASSWORD,
    tokenIssuer: e.BERTH_TOKEN_ISSUER,
    externalRegistryHost: e.BERTH_EXTERNAL_REGISTRY_URL,
    registryUrl: new URL(e.REGISTRY_URL),
    externalUrl: new URL(e.BERTH_EXTERNAL_URL ?? `http://${e.BFF_HOST}:${e.BFF_PORT}`),
    signupEnabled: e.BFF_SIGNUP_ENABLED === 'true',
    logLevel: e.LOG_LEVEL,
  };
}
