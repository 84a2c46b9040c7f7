import {
  REGISTRY_NAMES_PAGE_MAX,
  REPOSITORY_NAME_MAX_LENGTH,
  REPOSITORY_NAME_PATTERN,
  TAG_PATTERN,
} from '@berth/contract';
import { z } from 'zod';
import { type RegistryErrorCode, registryError } from '../core/errors.js';
import type {
  Direction,
  ListQuery,
  Marker,
  RepositorySortField,
  TagSortField,
} from '../meta/listing-query.js';

export type { ListQuery, Marker };

export const PAGE_SIZE_DEFAULT = 100;
export const PAGE_SIZE_MAX = 1000;

/** What a parameter must look like; `code` is the error a bad value answers (status 400). */
interface ParameterRule<T = unknown> {
  schema: z.ZodType<T>;
  code: RegistryErrorCode;
  rule: string;
}

function pageSizeRule(max: number): ParameterRule<number> {
  return {
    schema: z
      .string()
      .regex(/^[0-9]{1,9}$/)
      .transform(Number)
      .pipe(z.number().int().min(1).max(max)),
    code: 'PAGINATION_NUMBER_INVALID',
    rule: `an integer from 1 to ${max}`,
  };
}

const pageSize = pageSizeRule(PAGE_SIZE_MAX);

/** Deep enough for any list a registry holds; a bound keeps the SQL OFFSET reasonable. */
export const OFFSET_MAX = 10_000_000;

const offset: ParameterRule<number> = {
  schema: z
    .string()
    .regex(/^[0-9]{1,8}$/)
    .transform(Number)
    .pipe(z.number().int().min(0).max(OFFSET_MAX)),
  code: 'PAGINATION_NUMBER_INVALID',
  rule: `an integer from 0 to ${OFFSET_MAX}`,
};

const marker = (code: RegistryErrorCode): ParameterRule<string> => ({
  schema: z.string().min(1).max(1024),
  code,
  rule: 'a marker from a previous Link header',
});

function sortRule<Field extends string>(fields: readonly Field[]): ParameterRule<string> {
  const values = fields.flatMap((field) => [field, `-${field}`]);
  return {
    schema: z.enum(values as [string, ...string[]]),
    code: 'INVALID_QUERY_PARAMETER_VALUE',
    rule: `one of ${values.join(', ')}`,
  };
}

const TAG_FILTER = /^[a-zA-Z0-9._-]{1,128}$/;
const REPOSITORY_FILTER = /^[a-z0-9._/-]{1,255}$/;

const TAG_RULES = {
  n: pageSize,
  last: marker('TAG_INVALID'),
  before: marker('TAG_INVALID'),
  offset,
  name: { schema: z.string().regex(TAG_FILTER), code: 'TAG_INVALID', rule: '[a-zA-Z0-9._-]{1,128}' },
  sort: sortRule<TagSortField>(['name', 'published_at']),
} satisfies Record<string, ParameterRule>;

const REPOSITORY_RULES = {
  n: pageSize,
  last: marker('NAME_INVALID'),
  before: marker('NAME_INVALID'),
  offset,
  name: {
    schema: z.string().regex(REPOSITORY_FILTER),
    code: 'NAME_INVALID',
    rule: '[a-z0-9._/-]{1,255}',
  },
  sort: sortRule<RepositorySortField>(['name', 'created_at', 'updated_at']),
} satisfies Record<string, ParameterRule>;

const NAMES_RULES = {
  n: pageSizeRule(REGISTRY_NAMES_PAGE_MAX),
  last: {
    schema: z.string().regex(REPOSITORY_NAME_PATTERN).max(REPOSITORY_NAME_MAX_LENGTH),
    code: 'NAME_INVALID',
    rule: 'a repository name from the previous page',
  },
} satisfies Record<string, ParameterRule>;

const DRY_RUN_RULES = {
  dry_run: {
    schema: z.enum(['true', 'false']),
    code: 'INVALID_QUERY_PARAMETER_VALUE',
    rule: 'true or false',
  },
} satisfies Record<string, ParameterRule>;

/** `n`, `last` or `before` or `offset`, `name` (substring, case-insensitive) and `sort` of a tag list. */
export function parseTagListQuery(query: URLSearchParams): ListQuery<TagSortField> {
  return parseListQuery<TagSortField>(parseParameters(query, TAG_RULES), TAG_PATTERN, 'TAG_INVALID');
}

/** The same for a repository list; `name` is a substring of the path below the prefix. */
export function parseRepositoryListQuery(query: URLSearchParams): ListQuery<RepositorySortField> {
  return parseListQuery<RepositorySortField>(
    parseParameters(query, REPOSITORY_RULES),
    REPOSITORY_NAME_PATTERN,
    'NAME_INVALID',
  );
}

function parseListQuery<Field extends string>(
  values: { n?: number; last?: string; before?: string; offset?: number; name?: string; sort?: string },
  namePattern: RegExp,
  code: RegistryErrorCode,
): ListQuery<Field> {
  if (values.last !== undefined && values.before !== undefined) {
    throw badParameter('before', values.before, code, 'not together with last');
  }
  const raw = values.before ?? values.last;
  if (values.offset !== undefined && raw !== undefined) {
    throw badParameter(
      'offset',
      String(values.offset),
      'PAGINATION_NUMBER_INVALID',
      'not together with last or before',
    );
  }
  const sort = parseSort<Field>(values.sort ?? 'name');
  const side = values.before !== undefined ? 'before' : 'after';
  const parameter = side === 'before' ? 'before' : 'last';
  return {
    n: values.n ?? PAGE_SIZE_DEFAULT,
    sort,
    ...(raw === undefined
      ? {}
      : {
          marker: {
            side,
            at:
              sort.field === 'name'
                ? { name: checked(raw, namePattern, parameter, code) }
                : decodeTimeMarker(raw, namePattern, parameter, code),
          },
        }),
    ...(values.offset === undefined ? {} : { offset: values.offset }),
    ...(values.name === undefined ? {} : { filter: values.name }),
  };
}

/** `n` (default and most: REGISTRY_NAMES_PAGE_MAX) and `last` of the names-only repository list. */
export function parseNamesQuery(query: URLSearchParams): { n: number; last: string | undefined } {
  const values = parseParameters(query, NAMES_RULES);
  return { n: values.n ?? REGISTRY_NAMES_PAGE_MAX, last: values.last };
}

export function parseDryRun(query: URLSearchParams): boolean {
  return parseParameters(query, DRY_RUN_RULES).dry_run === 'true';
}

/** Accepts no query parameters at all (a typo must not be silently ignored). */
export function parseNoParameters(query: URLSearchParams): void {
  parseParameters(query, {});
}

/**
 * Markers of time-sorted lists, as GitLab writes them: base64 of `<ISO 8601 time>|<name>`.
 * The time is the exact millisecond value the list answered.
 */
export function encodeTimeMarker(at: Marker): string {
  return Buffer.from(`${new Date(at.time ?? 0).toISOString()}|${at.name}`).toString('base64');
}

function decodeTimeMarker(raw: string, name: RegExp, parameter: string, code: RegistryErrorCode): Marker {
  const rule = 'base64 of <ISO 8601 time>|<name>, as the Link header gives it';
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) throw badParameter(parameter, raw, code, rule);
  const text = Buffer.from(raw, 'base64').toString('utf8');
  const separator = text.indexOf('|');
  const iso = text.slice(0, separator);
  const time = Date.parse(iso);
  const value = text.slice(separator + 1);
  if (separator < 0 || Number.isNaN(time) || new Date(time).toISOString() !== iso || !matches(value, name)) {
    throw badParameter(parameter, raw, code, rule);
  }
  return { time, name: value };
}

function parseSort<Field extends string>(value: string): { field: Field; direction: Direction } {
  return value.startsWith('-')
    ? { field: value.slice(1) as Field, direction: 'desc' }
    : { field: value as Field, direction: 'asc' };
}

type Parsed<Rules extends Record<string, ParameterRule>> = {
  [K in keyof Rules]?: Rules[K] extends ParameterRule<infer T> ? T : never;
};

function parseParameters<Rules extends Record<string, ParameterRule>>(
  query: URLSearchParams,
  rules: Rules,
): Parsed<Rules> {
  const parsed: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    const values = query.getAll(key);
    const value = values[0] ?? '';
    if (!rule) {
      throw badParameter(
        key,
        value,
        'INVALID_QUERY_PARAMETER_VALUE',
        `one of: ${Object.keys(rules).join(', ') || 'none'}`,
      );
    }
    if (values.length > 1) throw badParameter(key, value, rule.code, `given once; ${rule.rule}`);
    const result = rule.schema.safeParse(value);
    if (!result.success) throw badParameter(key, value, rule.code, rule.rule);
    parsed[key] = result.data;
  }
  return parsed as Parsed<Rules>;
}

function checked(value: string, pattern: RegExp, parameter: string, code: RegistryErrorCode): string {
  if (!matches(value, pattern)) throw badParameter(parameter, value, code, pattern.source);
  return value;
}

function matches(value: string, pattern: RegExp): boolean {
  return (
    pattern.test(value) && (pattern !== REPOSITORY_NAME_PATTERN || value.length <= REPOSITORY_NAME_MAX_LENGTH)
  );
}

/** The one shape of a refused parameter: 400, the parameter, what was given and what is allowed. */
export function badParameter(parameter: string, value: string, code: RegistryErrorCode, rule: string) {
  return registryError(code, `invalid query parameter ${parameter}: must be ${rule}`, {
    detail: { parameter, value: value.slice(0, 200), rule },
  });
}
