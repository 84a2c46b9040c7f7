import type { Request } from 'express';
import type { z } from 'zod';
import { badRequest } from '../errors.js';

/** Parses untrusted input with a contract schema; a failure becomes a 400 that names every bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(
    result.error.issues
      .map((issue) => {
        const unknownKeys = issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')}: ` : '';
        return issue.path.length > 0
          ? `${issue.path.join('.')}: ${issue.message}`
          : `${unknownKeys}${issue.message}`;
      })
      .join('; '),
  );
}

/** GitLab (Grape) reads parameters from the query string and the body alike; scripts use both. */
export function params(req: Request): Record<string, unknown> {
  const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {};
  return { ...(req.query as Record<string, unknown>), ...body };
}
