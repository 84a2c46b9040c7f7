import { errorResponseSchema } from '@berth/contract';
import type { z } from 'zod';

export const API_BASE = '/api/v4';
export const CSRF_COOKIE = 'berth_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type ApiErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'server'
  | 'network'
  | 'invalid_response';

const KIND_BY_STATUS: Record<number, ApiErrorKind> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable',
};

/** Every failure of a BFF call, in words a page can show. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isApiError = (error: unknown, kind?: ApiErrorKind): error is ApiError =>
  error instanceof ApiError && (kind === undefined || error.kind === kind);

/** GitLab's messages are strings (`404 Project Not Found`) or field maps (`{ name: ['is taken'] }`). */
function messageOf(body: unknown, status: number): string {
  const parsed = errorResponseSchema.safeParse(body);
  if (!parsed.success) return status >= 500 ? 'The server failed to answer.' : `Request failed (${status}).`;
  const { message } = parsed.data;
  if (typeof message === 'string') return message.replace(/^\d{3} /, '');
  return Object.entries(message)
    .map(
      ([field, problems]) => `${field} ${Array.isArray(problems) ? problems.join(', ') : String(problems)}`,
    )
    .join('; ');
}

export function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export function buildPath(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const item of value) params.append(`${key}[]`, item);
    else params.set(key, String(value));
  }
  const search = params.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ''}`;
}

/** `:id` of GitLab's API for a full path: `acme/shop` → `acme%2Fshop`. */
export const encodeId = (idOrPath: string | number) => encodeURIComponent(String(idOrPath));

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const csrf = readCookie(CSRF_COOKIE);
  if (csrf && !SAFE_METHODS.has(method)) headers['X-CSRF-Token'] = csrf;
  let response: Response;
  try {
    response = await fetch(buildPath(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError('network', 'The server could not be reached. Check your connection and retry.');
  }
  if (!response.ok) {
    const body = await response.json().catch(() => undefined);
    const kind = KIND_BY_STATUS[response.status] ?? 'server';
    throw new ApiError(kind, messageOf(body, response.status), response.status);
  }
  return response;
}

function parseWith<T extends z.ZodType>(schema: T, body: unknown, path: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('invalid_response', `The server's answer to ${path} was not understood.`);
  }
  return parsed.data;
}

/** One call whose JSON answer is parsed with a contract schema. */
export async function apiRequest<T extends z.ZodType>(
  schema: T,
  path: string,
  options: RequestOptions = {},
): Promise<z.infer<T>> {
  const response = await send(path, options);
  return parseWith(schema, await response.json(), path);
}

/** A call answered with 204 or a body the caller does not need. */
export async function apiCommand(path: string, options: RequestOptions): Promise<void> {
  await send(path, options);
}

export interface Page<T> {
  items: T[];
  total: number;
  totalPages: number;
  page: number;
  perPage: number;
}

const headerNumber = (response: Response, name: string, fallback: number) => {
  const value = Number(response.headers.get(name));
  return Number.isFinite(value) && response.headers.get(name) !== null && response.headers.get(name) !== ''
    ? value
    : fallback;
};

/** A GitLab offset-paginated list: the items and the X-Total… headers. */
export async function apiPage<T extends z.ZodType>(
  itemSchema: T,
  path: string,
  options: RequestOptions = {},
): Promise<Page<z.infer<T>>> {
  const response = await send(path, options);
  const body: unknown = await response.json();
  const items = parseWith(itemSchema.array(), body, path) as z.infer<T>[];
  const perPage = headerNumber(response, 'X-Per-Page', items.length || 20);
  const total = headerNumber(response, 'X-Total', items.length);
  return {
    items,
    total,
    perPage,
    page: headerNumber(response, 'X-Page', 1),
    totalPages: headerNumber(response, 'X-Total-Pages', Math.max(1, Math.ceil(total / perPage))),
  };
}
