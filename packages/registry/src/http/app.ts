import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessRequest, Action, TokenAuthorizer } from '../auth/index.js';
import { RegistryError, registryError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { Repositories } from '../core/repositories.js';
import { isExtensionPath } from '../extension/extension-route.js';
import { handleExtension } from '../extension/handle-extension.js';
import { handleBlob, handleUpload, handleUploads } from './blob-handlers.js';
import { handleCatalog, handleReferrers, handleTags } from './discovery-handlers.js';
import { handleManifest } from './manifest-handlers.js';
import { headerValue } from './request.js';
import type { RequestContext } from './request-context.js';
import { sendInternalError, sendJson, sendRegistryError, sendUnauthorized } from './respond.js';
import { matchRoute, type Route } from './route.js';

export interface AppDeps {
  registry: Registry;
  logger: Logger;
  /** One info line per request. */
  accessLog: boolean;
  /** Token authentication; every request is allowed without it (REGISTRY_AUTH=none). */
  authorizer?: TokenAuthorizer;
  /** What the `/berth/v1/` extension API serves; the API answers 404 without it. */
  extension?: Repositories;
}

/** A caller's X-Request-Id is echoed only when it is a plain token; anything else gets a fresh id. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The registry's HTTP surface; `server.ts` binds it to a port, tests bind it to an ephemeral one. */
export function createApp(deps: AppDeps): RequestListener {
  return (req, res) => {
    const given = headerValue(req, 'x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (deps.accessLog) logWhenDone(deps.logger, req, res, requestId);
    handle(deps, req, res).catch((error: unknown) => {
      if (error instanceof RegistryError) {
        if (!res.headersSent) sendRegistryError(res, error);
        else res.destroy();
        drain(req);
        return;
      }
      if (req.socket.destroyed) {
        // Nobody is left to answer: the client went away (or a failed read of its body cut the
        // connection). Still said, so a connection closed without an answer always leaves a trace.
        deps.logger.info({ requestId, err: error }, 'connection closed before the answer');
        res.destroy();
        return;
      }
      deps.logger.error({ requestId, err: error }, 'request failed');
      if (!res.headersSent) sendInternalError(res, requestId);
      else res.destroy();
      drain(req);
    });
  };
}

async function handle(deps: AppDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  if (isExtensionPath(path)) {
    return handleExtension(deps.extension, deps.authorizer, req, res, path, query);
  }
  const route = matchRoute(path);
  if (!route)
    throw registryError('ENDPOINT_UNKNOWN', 'no such endpoint', { detail: { path: path.slice(0, 200) } });
  const method = req.method ?? 'GET';

  if (deps.authorizer) {
    const required = accessFor(route, method);
    const decision = await deps.authorizer.authorize(headerValue(req, 'authorization'), required);
    if (!decision.ok) return sendUnauthorized(res, decision);
  }

  const authorizer = deps.authorizer;
  const context: RequestContext = {
    registry: deps.registry,
    req,
    res,
    query,
    may: async (name, actions) =>
      !authorizer ||
      (await authorizer.authorize(headerValue(req, 'authorization'), { type: 'repository', name, actions }))
        .ok,
  };
  switch (route.kind) {
    case 'base':
      return sendJson(res, 200, {});
    case 'catalog':
      return handleCatalog(context, method);
    case 'tags':
      return handleTags(context, method, route.name);
    case 'manifest':
      return handleManifest(context, method, route.name, route.reference);
    case 'blob':
      return handleBlob(context, method, route.name, route.digest);
    case 'uploads':
      return handleUploads(context, method, route.name);
    case 'upload':
      return handleUpload(context, method, route.name, route.id);
    case 'referrers':
      return handleReferrers(context, method, route.name, route.digest);
  }
}

/** The access a request needs, as the token spec names it. */
function accessFor(route: Route, method: string): AccessRequest | undefined {
  if (route.kind === 'base') return undefined;
  if (route.kind === 'catalog') return { type: 'registry', name: 'catalog', actions: ['*'] };
  const action: Action =
    method === 'GET' || method === 'HEAD'
      ? route.kind === 'upload'
        ? 'push'
        : 'pull'
      : method === 'DELETE' && (route.kind === 'manifest' || route.kind === 'blob')
        ? 'delete'
        : 'push';
  return { type: 'repository', name: route.name, actions: action === 'push' ? ['pull', 'push'] : [action] };
}

function logWhenDone(logger: Logger, req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    logger.info(
      {
        requestId,
        method: req.method,
        path: req.url?.split('?')[0]?.slice(0, 512),
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      },
      'request',
    );
  });
}

/** Discards an unread request body so the connection can carry the next request. */
function drain(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}
