import type { RequestHandler } from 'express';
import { forbidden } from '../errors.js';

/**
 * Refuses a cross-site browser request (login CSRF: a page elsewhere posting the attacker's credentials
 * so the victim's browser signs into the attacker's account; SameSite=Lax lets top-level POSTs through).
 * Browsers send `Sec-Fetch-Site`; older ones only `Origin`, which must then be the external URL's origin.
 * Scripts and CLIs send neither and are let through: they have no ambient cookies to abuse.
 */
export function sameOriginOnly(externalUrl: URL): RequestHandler {
  return (req, _res, next) => {
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const allowed =
      site !== undefined
        ? site === 'same-origin' || site === 'none'
        : origin === undefined || origin === externalUrl.origin;
    if (!allowed) throw forbidden('cross-site sign-in refused');
    next();
  };
}
