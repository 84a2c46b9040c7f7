import type { ServerResponse } from 'node:http';
import type { AuthorizationFailure } from '../auth/index.js';
import type { RegistryError } from '../core/errors.js';
import { STATUS_BY_CODE } from './error-table.js';

export type Headers = Record<string, string | number>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': payload.length,
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Headers = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export function sendRegistryError(res: ServerResponse, error: RegistryError, headers: Headers = {}): void {
  sendJson(res, error.status ?? STATUS_BY_CODE[error.code], { errors: error.entries }, headers);
}

/** 500 without internals; the request id lets an operator find the logged cause. */
export function sendInternalError(res: ServerResponse, requestId: string): void {
  sendJson(res, 500, {
    errors: [{ code: 'UNKNOWN', message: 'internal server error', detail: { requestId } }],
  });
}

/** The token spec's challenge: 401, `WWW-Authenticate`, and the requested access in the error's detail. */
export function sendUnauthorized(res: ServerResponse, refusal: AuthorizationFailure): void {
  res.req.resume();
  sendJson(
    res,
    401,
    { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: refusal.detail }] },
    { 'WWW-Authenticate': refusal.challenge },
  );
}
