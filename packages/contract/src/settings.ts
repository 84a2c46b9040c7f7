import { z } from 'zod';

/**
 * What every Berth process reads from its environment, and how it says what is wrong at start-up:
 * one line per problem, `<process>: <VARIABLE> must … (got "…")`, the same wording in each service.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const portSetting = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a port number 0-65535')
  .transform(Number)
  .refine((port) => port <= 65_535, 'must be a port number 0-65535');

export const urlSetting = z.url({ error: 'must be a URL such as http://127.0.0.1:5000' });

export const postgresUrlSetting = z
  .string()
  .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// URL (leave it unset for the embedded SQLite)');

export function choiceSetting<const T extends readonly [string, ...string[]]>(choices: T) {
  return z.enum(choices, { error: `must be one of ${choices.join(', ')}` });
}

export const logLevelSetting = choiceSetting(LOG_LEVELS).default('info');

export const nonEmptySetting = z.string().min(1, 'must not be empty');

/** Start-up failed; `problems` are the lines to print, without the process name. */
export class StartupError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** One line per bad variable, naming the value it got (values of secrets are not repeated). */
export function settingProblems(error: z.ZodError, env: Record<string, string | undefined>): string[] {
  return error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'environment');
    const value = env[variable];
    const got = value === undefined ? 'unset' : /PASSWORD|SECRET/.test(variable) ? 'hidden' : shown(value);
    const message = /^(must|is )/.test(issue.message) ? issue.message : `is invalid: ${issue.message}`;
    return `${variable} ${message} (got ${got})`;
  });
}

/** A value as it may be printed: credentials inside a URL are masked. */
function shown(value: string): string {
  return JSON.stringify(value.replace(/\/\/([^/:@]*):[^/@]*@/, '//$1:***@'));
}

export const startupProblem = {
  portInUse: (variable: string, host: string, port: number) =>
    `${variable} ${port} is already in use on ${host}: stop what listens there or choose another port`,
  cannotListen: (variable: string, host: string, port: number, reason: string) =>
    `${variable} ${port} cannot be listened on at ${host}: ${reason}`,
  dataDirUnusable: (variable: string, dir: string, reason: string) =>
    `${variable} ${dir} cannot be used as the data folder: ${reason}`,
  databaseUnreachable: (variable: string, reason: string) =>
    `${variable} names a database that cannot be reached: ${reason}`,
  fileUnreadable: (variable: string, path: string, reason: string) =>
    `${variable} ${path} cannot be read: ${reason}`,
};

/** The lines a process prints before it exits 1. */
export function startupFailureText(processName: string, problems: readonly string[]): string {
  return problems.map((problem) => `${processName}: ${problem}\n`).join('');
}
