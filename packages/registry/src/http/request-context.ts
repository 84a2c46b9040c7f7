import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action } from '../auth/index.js';
import type { Registry } from '../core/registry.js';

/** What a `/v2/` handler gets for one request, built by `app.ts` after the request was authorized. */
export interface RequestContext {
  registry: Registry;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Whether the caller may also do `actions` on another repository (cross-repository mount). */
  may(name: string, actions: Action[]): Promise<boolean>;
}
