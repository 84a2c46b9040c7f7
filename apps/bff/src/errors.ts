/**
 * Typed errors of the BFF; `http/error-middleware.ts` is the one place that turns them into responses.
 * Messages are shown to the client, so they never carry secrets or internals.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'too_many_requests';

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Too many failed sign-ins (or sign-ins waiting): the client may try again after `retryAfterS` seconds. */
export class ThrottledError extends AppError {
  constructor(
    readonly retryAfterS: number,
    message = 'Too many failed sign-in attempts; try again later',
  ) {
    super('too_many_requests', message);
    this.name = 'ThrottledError';
  }
}

export const badRequest = (message: string) => new AppError('bad_request', message);
export const unauthorized = (message = 'Unauthorized') => new AppError('unauthorized', message);
export const forbidden = (message = 'Forbidden') => new AppError('forbidden', message);
/** GitLab answers `404 Project Not Found` for what the caller may not see, so existence is not revealed. */
export const notFound = (what: string) => new AppError('not_found', `${what} Not Found`);
export const conflict = (message: string) => new AppError('conflict', message);

/** Errors of `POST /oauth/token`, rendered in the OAuth 2 error format that OAuth clients expect. */
export class OAuthError extends Error {
  constructor(
    readonly code: 'invalid_grant' | 'invalid_request' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}
