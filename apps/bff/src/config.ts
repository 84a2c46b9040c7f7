import { isAbsolute, resolve } from 'node:path';
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

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z.object({
  BFF_PORT: portSetting.default(8080),
  BFF_HOST: nonEmptySetting.default('127.0.0.1'),
  BERTH_DATA_DIR: nonEmptySetting.default('./data'),
  BFF_DATABASE_URL: z.preprocess(emptyToUndefined, postgresUrlSetting.optional()),
  BERTH_ROOT_PASSWORD: z.preprocess(
    emptyToUndefined,
    z.string().min(8, 'must be at least 8 characters').optional(),
  ),
  BERTH_TOKEN_ISSUER: nonEmptySetting.default('berth-token-service'),
  BERTH_EXTERNAL_REGISTRY_URL: urlSetting.default('http://127.0.0.1:5000'),
  REGISTRY_URL: urlSetting.default('http://127.0.0.1:5000'),
  /** The SPA's origin and the base of `web_url` fields. */
  BERTH_EXTERNAL_URL: z.preprocess(emptyToUndefined, urlSetting.optional()),
  BFF_SIGNUP_ENABLED: choiceSetting(['true', 'false']).default('true'),
  LOG_LEVEL: logLevelSetting,
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  rootPassword: string | undefined;
  tokenIssuer: string;
  externalRegistryUrl: URL;
  registryUrl: URL;
  externalUrl: URL;
  signupEnabled: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

/** Bad settings: one problem per variable, worded as every Berth process words them. */
export class ConfigError extends StartupError {}

/** Parses the environment once at start-up; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(settingProblems(parsed.error, env));
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
    externalRegistryUrl: new URL(e.BERTH_EXTERNAL_REGISTRY_URL),
    registryUrl: new URL(e.REGISTRY_URL),
    externalUrl: new URL(e.BERTH_EXTERNAL_URL ?? `http://${e.BFF_HOST}:${e.BFF_PORT}`),
    signupEnabled: e.BFF_SIGNUP_ENABLED === 'true',
    logLevel: e.LOG_LEVEL,
  };
}
