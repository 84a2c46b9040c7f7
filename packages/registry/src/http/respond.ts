import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { AuthorizationFailure } from '../auth/index.js';
import { type RegistryError, registryError } from '../core/errors.js';

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
  sendJson(res, error.status, errorBody(error), headers);
}

/** The spec's error body. */
export function errorBody(error: RegistryError): { errors: RegistryError['entries'] } {
  return { errors: error.entries };
}

/** The whole HTTP/1.1 response for a socket that has no ServerResponse (a request Node could not parse). */
export function rawErrorResponse(error: RegistryError): string {
  const body = JSON.stringify(errorBody(error));
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** 500 without internals; the request id lets an operator find the logged cause. */
export function sendInternalError(res: ServerResponse, requestId: string): void {
  sendRegistryError(res, registryError('UNKNOWN', 'internal server error', { detail: { requestId } }));
}

/** The token spec's challenge: 401, `WWW-Authenticate`, and the requested access in the error's detail. */
export function sendUnauthorized(res: ServerResponse, refusal: AuthorizationFailure): void {
  res.req.resume();
  sendRegistryError(
    res,
    registryError('UNAUTHORIZED', 'authentication required', { detail: refusal.detail }),
    {
      'WWW-Authenticate': refusal.challenge,
    },
  );
}
