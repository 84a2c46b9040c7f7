import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ANONYMOUS } from '../access/access.js';
import { setContext } from './context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives each request an id (the caller's X-Request-Id when sane) and a child logger, and logs one line
 * when it ends. Only the path is logged: query strings and headers may carry secrets.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const log = logger.child({ reqId: requestId });
    setContext(res, { log, actor: ANONYMOUS });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
        },
        'request',
      );
    });
    next();
  };
}
