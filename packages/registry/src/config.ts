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
import type { S3Settings } from './storage/s3-driver.js';

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
const flag = choiceSetting(['true', 'false']);
const MiB = 1024 * 1024;

const environmentSchema = z
  .object({
    REGISTRY_PORT: portSetting.default(5000),
    REGISTRY_HOST: nonEmptySetting.default('127.0.0.1'),
    BERTH_DATA_DIR: nonEmptySetting.default('./data'),
    REGISTRY_DATABASE_URL: z.preprocess(emptyAsUndefined, postgresUrlSetting.optional()),
    REGISTRY_STORAGE: choiceSetting(['filesystem', 's3']).default('filesystem'),
    REGISTRY_S3_BUCKET: z.preprocess(emptyAsUndefined, z.string().optional()),
    REGISTRY_S3_REGION: nonEmptySetting.default('us-east-1'),
    REGISTRY_S3_ENDPOINT: z.preprocess(emptyAsUndefined, urlSetting.optional()),
    REGISTRY_S3_ACCESS_KEY_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
    REGISTRY_S3_SECRET_ACCESS_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
    REGISTRY_S3_PATH_STYLE: flag.default('false'),
    REGISTRY_S3_PART_SIZE: z.coerce
      .number()
      .int()
      .min(5 * MiB, 'must be at least 5242880 (5 MiB, the smallest S3 part)')
      // Parts are buffered in memory (two per upload in flight).
      .max(1024 * MiB, 'must be at most 1073741824 (1 GiB)')
      .default(10 * MiB),
    REGISTRY_S3_REDIRECT: flag.default('false'),
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
    REGISTRY_IDLE_TIMEOUT: durationSchema.pipe(z.number().min(4000, 'must be at least 4s')).prefault('120s'),
    LOG_LEVEL: logLevelSetting,
  })
  .superRefine((env, context) => {
    if (env.REGISTRY_STORAGE === 's3' && !env.REGISTRY_S3_BUCKET) {
      context.addIssue({
        code: 'custom',
        path: ['REGISTRY_S3_BUCKET'],
        message: 'is required with REGISTRY_STORAGE=s3',
      });
    }
    if (!env.REGISTRY_S3_ACCESS_KEY_ID !== !env.REGISTRY_S3_SECRET_ACCESS_KEY) {
      context.addIssue({
        code: 'custom',
        path: [env.REGISTRY_S3_ACCESS_KEY_ID ? 'REGISTRY_S3_SECRET_ACCESS_KEY' : 'REGISTRY_S3_ACCESS_KEY_ID'],
        message:
          'must be set together with the other of REGISTRY_S3_ACCESS_KEY_ID and REGISTRY_S3_SECRET_ACCESS_KEY, or neither be set (the AWS default credential chain)',
      });
    }
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
  storage: { driver: 'filesystem' } | { driver: 's3'; s3: S3Settings };
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
  /**
   * How long an idle keep-alive connection stays open. Clients are told a quarter of it, so every
   * client closes an idle connection before the registry does (see server.ts).
   */
  idleTimeoutMs: number;
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
    storage:
      e.REGISTRY_STORAGE === 's3'
        ? {
            driver: 's3',
            s3: {
              bucket: e.REGISTRY_S3_BUCKET!,
              region: e.REGISTRY_S3_REGION,
              endpoint: e.REGISTRY_S3_ENDPOINT,
              credentials:
                e.REGISTRY_S3_ACCESS_KEY_ID && e.REGISTRY_S3_SECRET_ACCESS_KEY
                  ? {
                      accessKeyId: e.REGISTRY_S3_ACCESS_KEY_ID,
                      secretAccessKey: e.REGISTRY_S3_SECRET_ACCESS_KEY,
                    }
                  : undefined,
              pathStyle: e.REGISTRY_S3_PATH_STYLE === 'true',
              partSize: e.REGISTRY_S3_PART_SIZE,
              redirect: e.REGISTRY_S3_REDIRECT === 'true',
            },
          }
        : { driver: 'filesystem' },
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
    idleTimeoutMs: e.REGISTRY_IDLE_TIMEOUT,
  };
}
