import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type ErrorKind, OAuthError, ThrottledError } from '../errors.js';
import { context } from './context.js';

const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  bad_gateway: 502,
  service_unavailable: 503,
  too_many_requests: 429,
};

function gitlabMessage(error: AppError): string {
  switch (error.kind) {
    case 'unauthorized':
      return error.message === 'Unauthorized' ? '401 Unauthorized' : `401 Unauthorized - ${error.message}`;
    case 'forbidden':
      return error.message === 'Forbidden' ? '403 Forbidden' : `403 Forbidden - ${error.message}`;
    case 'not_found':
      return `404 ${error.message}`;
    case 'bad_gateway':
      return `502 Bad Gateway - ${error.message}`;
    case 'service_unavailable':
      return `503 Service Unavailable - ${error.message}`;
    case 'too_many_requests':
      return `429 Too Many Requests - ${error.message}`;
    default:
      return error.message;
  }
}

/** The one place errors become responses: GitLab's `{ "message": … }`, and nothing internal on a 500. */
export const errorMiddleware: ErrorRequestHandler = (error, req, res, _next) => {
  if (error instanceof OAuthError) {
    res.status(400).json({ error: error.code, error_description: error.description });
    return;
  }
  if (error instanceof AppError) {
    // The token service takes Basic credentials and says so; the API does not (GitLab's sends no
    // challenge), and a Basic challenge there would make browsers prompt for a password over the SPA.
    if (error.kind === 'unauthorized' && req.path.startsWith('/jwt/')) {
      res.setHeader('WWW-Authenticate', 'Basic realm="berth"');
    }
    if (error instanceof ThrottledError) res.setHeader('Retry-After', String(error.retryAfterS));
    res.status(STATUS[error.kind]).json({ message: gitlabMessage(error) });
    return;
  }
  // body-parser marks its own errors (malformed JSON, too large) with a client status.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (error as { type?: unknown }).type;
    res
      .status(status)
      .json({ message: type === 'entity.parse.failed' ? '400 Bad request - malformed body' : `${status}` });
    return;
  }
  context(res)?.log.error({ err: error }, 'unhandled error');
  res.status(500).json({ message: '500 Internal Server Error' });
};

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ message: '404 Not Found' });
};
