import type { Request } from 'express';

/** The client's address as Express sees it (`X-Forwarded-For` is believed only from loopback proxies). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
