import type { RequestHandler } from 'express';

/**
 * GitLab answers `Content-Type: application/json` exactly, and some GitLab client libraries compare the
 * header verbatim. Express adds `; charset=utf-8` both in `res.set` and to string bodies, so `res.json`
 * sets the header on the node response and sends bytes.
 */
export const gitlabJson: RequestHandler = (_req, res, next) => {
  res.json = function json(body: unknown) {
    if (!this.getHeader('Content-Type')) this.setHeader('Content-Type', 'application/json');
    return this.send(Buffer.from(JSON.stringify(body) ?? 'null'));
  };
  next();
};
