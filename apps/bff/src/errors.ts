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
  /** The registry answered something the BFF cannot read (a bug or a version mismatch). */
  | 'bad_gateway'
  /** The registry is down, slow or refuses the BFF's own tokens. */
  | 'service_unavailable'
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
export const serviceUnavailable = (message: string) => new AppError('service_unavailable', message);
export const badGateway = (message: string) => new AppError('bad_gateway', message);

/**
 * A registry rename refused: `taken` (a target repository exists; 409) or `invalid` (a target
 * breaks the name grammar, for example by length; 400). `names` are the offending target paths.
 */
export class RegistryRenameError extends AppError {
  constructor(
    readonly reason: 'taken' | 'invalid',
    readonly names: readonly string[],
  ) {
    super(
      reason === 'taken' ? 'conflict' : 'bad_request',
      reason === 'taken'
        ? `container registry path already taken: ${names.slice(0, 5).join(', ')}`
        : `would create an invalid image name: ${names.slice(0, 5).join(', ')}`,
    );
    this.name = 'RegistryRenameError';
  }
}

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
