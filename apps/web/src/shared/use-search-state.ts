import { useCallback, useMemo, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { z } from 'zod';

/**
 * List state kept in the URL, so a copied link shows a teammate the same rows in the same order.
 * Parameters ending in `[]` (GitLab's `search[]`) are read as lists; every field of the schema must
 * fall back to its default on a bad value (`.catch`), so a bad parameter never breaks the page.
 */
export function useSearchState<S extends z.ZodObject>(schema: S) {
  const [params, setParams] = useSearchParams();
  const defaults = useMemo(() => schema.parse({}) as z.infer<S>, [schema]);
  const state = useMemo(() => readSearchState(schema, params), [schema, params]);

  // Navigations finish after route loaders run: two quick changes must build on each other, not both
  // on the URL as it was before the first.
  const latest = useRef(params);
  const rendered = useRef(params);
  if (rendered.current !== params) {
    rendered.current = params;
    latest.current = params;
  }

  const update = useCallback(
    (patch: Partial<z.infer<S>>) => {
      const current = latest.current;
      const next = { ...readSearchState(schema, current), ...patch } as Record<string, unknown>;
      // Any change but the page itself starts again at page 1.
      if (!('page' in patch) && 'page' in next) next.page = (defaults as Record<string, unknown>).page;
      const written = writeSearchState(
        current,
        next,
        defaults as Record<string, unknown>,
        Object.keys(schema.shape),
      );
      latest.current = written;
      setParams(written, { replace: true });
    },
    [schema, defaults, setParams],
  );
  return [state, update, defaults] as const;
}

export function readSearchState<S extends z.ZodObject>(schema: S, params: URLSearchParams): z.infer<S> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    if (key.endsWith('[]')) raw[key.slice(0, -2)] = params.getAll(key);
    else raw[key] = params.get(key);
  }
  return schema.parse(raw) as z.infer<S>;
}

function writeSearchState(
  current: URLSearchParams,
  state: Record<string, unknown>,
  defaults: Record<string, unknown>,
  keys: string[],
): URLSearchParams {
  const next = new URLSearchParams(current);
  for (const key of keys) {
    next.delete(key);
    next.delete(`${key}[]`);
    const value = state[key];
    if (value === undefined || value === '' || value === defaults[key]) continue;
    if (key === 'search') next.set('search[]', String(value));
    else if (Array.isArray(value)) for (const item of value) next.append(`${key}[]`, String(item));
    else next.set(key, String(value));
  }
  return next;
}

/** GitLab's `search[]=word&search[]=word`, read as one string. */
export const searchParam = z
  .preprocess((value) => (Array.isArray(value) ? value.join(' ') : value), z.string().trim().max(255))
  .catch('')
  .default('');

export const enumParam = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.enum(values).catch(fallback).default(fallback);

export const pageParam = z.coerce.number().int().min(1).max(100_000).catch(1).default(1);

export const perPageParam = (allowed: readonly number[], fallback: number) =>
  z.coerce
    .number()
    .refine((value) => allowed.includes(value))
    .catch(fallback)
    .default(fallback);
