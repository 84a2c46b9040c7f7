import type { IncomingMessage } from 'node:http';
import { type RegistryError, registryError } from '../core/errors.js';

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function methodNotAllowed(method: string, allowed: string[]): RegistryError {
  return registryError('UNSUPPORTED', `method ${method} is not allowed here`, { detail: { allowed } });
}
