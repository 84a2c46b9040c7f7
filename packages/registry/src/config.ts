import { resolve } from 'node:path';
import {
  choiceSetting,
  logLevelSetting,
  nonEmptySetting,
  portSetting,
  postgresUrlSetting,
  StartupError,
  settingProblems,
  urlSetting,
} from '@berth/contract';
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500ms`, `30s`, `5m`, `24h`, `7d` → milliseconds. */
export const durationSchema = z
  .string()
  .regex(/^\d+(?:ms|s|m|h|d)$/, 'must be a duration such as 500ms, 30s, 5m, 24h or 7d')
  .transform((value) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(value) as unknown as [string, string, string];
    return Number(amount) * DURATION_UNITS[unit]!;
  });
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const environmentSchema = z
  .object({
    REGISTRY_PORT: portSetting.default(5000),
    REGISTRY_HOST: nonEmptySetting.default('127.0.0.1'),
    BERTH_DATA_DIR: nonEmptySetting.default('./data'),
    REGISTRY_DATABASE_URL: z.preprocess(emptyAsUndefined, postgresUrlSetting.optional()),
    REGISTRY_STORAGE: choiceSetting(['filesystem']).default('filesystem'),
    REGISTRY_AUTH: choiceSetting(['token', 'none']).default('token'),
    REGISTRY_AUTH_TOKEN_REALM: z.preprocess(emptyAsUndefined, urlSetting.optional()),
    REGISTRY_AUTH_TOKEN_SERVICE: nonEmptySetting.default('container_registry'),
    REGISTRY_AUTH_TOKEN_ISSUER: nonEmptySetting.default('berth-token-service'),
    REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
    REGISTRY_AUTH_TOKEN_JWKS_URL: z.preprocess(emptyAsUndefined, urlSetting.optional()),
    GC_ENABLED: choiceSetting(['true', 'false']).default('true'),
    GC_REVIEW_DELAY: durationSchema.prefault('24h'),
    GC_INTERVAL: durationSchema.prefault('10s'),
    GC_UPLOAD_PURGE_AGE: durationSchema.prefault('24h'),
    REGISTRY_ACCESS_LOG: choiceSetting(['true', 'false']).default('true'),
    LOG_LEVEL: logLevelSetting,
  })
  .superRefine((env, context) => {
    if (env.REGISTRY_AUTH !== 'token') return;
    if (!env.REGISTRY_AUTH_TOKEN_REALM) {
      context.addIssue({
        code: 'custom',
        path: ['REGISTRY_AUTH_TOKEN_REALM'],
        message:
          'is required with REGISTRY_AUTH=token (the token service URL, e.g. http://127.0.0.1:8080/jwt/auth)',
      });
    }
    if (env.REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE && env.REGISTRY_AUTH_TOKEN_JWKS_URL) {
      context.addIssue({
        code: 'custom',
        path: ['REGISTRY_AUTH_TOKEN_JWKS_URL'],
        message: 'must not be set together with REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE (choose one)',
      });
    }
  });

export interface RegistryConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  storage: 'filesystem';
  auth:
    | { mode: 'none' }
    | {
        mode: 'token';
        realm: string;
        service: string;
        issuer: string;
        keys: { publicKeyFile: string } | { jwksUrl: string };
      };
  gc: {
    enabled: boolean;
    /** How long a queued review waits, so content re-referenced meanwhile (e.g. by a push in progress) is kept. */
    reviewDelayMs: number;
    intervalMs: number;
    /** Uploads untouched for this long are abandoned and purged. */
    uploadPurgeAgeMs: number;
  };
  logLevel: string;
  /** One log line per request (at info). */
  accessLog: boolean;
}

/** Bad settings: one problem per variable, worded as every Berth process words them. */
export class ConfigError extends StartupError {}

/** Reads the whole environment at once so a bad start lists every problem, not the first. */
export function loadConfig(env: NodeJS.ProcessEnv): RegistryConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(settingProblems(parsed.error, env));
  }
  const e = parsed.data;
  const dataDir = resolve(e.BERTH_DATA_DIR);
  return {
    host: e.REGISTRY_HOST,
    port: e.REGISTRY_PORT,
    dataDir,
    databaseUrl: e.REGISTRY_DATABASE_URL,
    storage: e.REGISTRY_STORAGE,
    auth:
      e.REGISTRY_AUTH === 'none'
        ? { mode: 'none' }
        : {
            mode: 'token',
            realm: e.REGISTRY_AUTH_TOKEN_REALM!,
            service: e.REGISTRY_AUTH_TOKEN_SERVICE,
            issuer: e.REGISTRY_AUTH_TOKEN_ISSUER,
            keys: e.REGISTRY_AUTH_TOKEN_JWKS_URL
              ? { jwksUrl: e.REGISTRY_AUTH_TOKEN_JWKS_URL }
              : {
                  // The BFF writes its public key here on first start (docs/token-auth.md).
                  publicKeyFile: resolve(
                    e.REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE ?? `${dataDir}/bff/token-signing-key.pub.pem`,
                  ),
                },
          },
    gc: {
      enabled: e.GC_ENABLED === 'true',
      reviewDelayMs: e.GC_REVIEW_DELAY,
      intervalMs: e.GC_INTERVAL,
      uploadPurgeAgeMs: e.GC_UPLOAD_PURGE_AGE,
    },
    logLevel: e.LOG_LEVEL,
    accessLog: e.REGISTRY_ACCESS_LOG === 'true',
  };
}
