import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/** API answers are data, never documents: nothing may load from them, frame them or run in them. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The SPA: its own scripts, styles and API only; no inline script, no framing, no plugins. */
export const SPA_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Hardening headers on every BFF response. `Cache-Control: no-store` by default, since API answers carry
 * private data and secrets (tokens, CSRF tokens); the SPA's static files set their own caching.
 */
export function securityHeaders(externalUrl: URL): RequestHandler {
  const https = externalUrl.protocol === 'https:';
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', API_POLICY);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/** Switches a response that serves the SPA (its static files, index.html) to the SPA's policy. */
export function spaPolicy(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', SPA_POLICY);
}
