import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { SqlDatabase } from './open-database.js';

class Placeholder {
  constructor(readonly index: number) {}
}

/** Compiles `build` once with placeholders; `bind` fills in the values of one call. */
function compileOnce<Args extends unknown[]>(build: (...args: Args) => Compilable<unknown>) {
  const placeholders = Array.from({ length: build.length }, (_, index) => new Placeholder(index));
  const compiled = build(...(placeholders as Args)).compile();
  const slots = compiled.parameters.map((value) => (value instanceof Placeholder ? value.index : -1));
  if (!placeholders.every((placeholder) => slots.includes(placeholder.index))) {
    throw new Error('prepareQuery: every argument must be used as a query parameter');
  }
  return {
    sql: compiled.sql,
    bind: (args: Args) =>
      compiled.parameters.map((value, position) => {
        const slot = slots[position]!;
        return slot >= 0 ? args[slot] : value;
      }),
  };
}

/**
 * Builds and compiles a query once, then runs the compiled SQL with new values.
 * Building a Kysely query allocates and freezes a node tree per call; on a hot
 * path (a manifest GET) that costs more than SQLite's work. `build` receives
 * placeholders and must use each argument as a plain value (no branching on it).
 */
export function prepareQuery<DB, Args extends unknown[], Row>(
  db: Kysely<DB>,
  build: (...args: Args) => Compilable<Row>,
): (...args: Args) => Promise<Row[]> {
  const { sql, bind } = compileOnce(build);
  return async (...args: Args) => (await db.executeQuery<Row>(CompiledQuery.raw(sql, bind(args)))).rows;
}

/**
 * Like prepareQuery for a query selecting one column, answered as an array of its
 * values: long listings (every tag of a repository) skip building a row object each.
 */
export function prepareColumnQuery<DB, Args extends unknown[], Value>(
  database: SqlDatabase<DB>,
  build: (...args: Args) => Compilable<Record<string, Value>>,
): (...args: Args) => Promise<Value[]> {
  const { sql, bind } = compileOnce(build);
  return (...args: Args) => database.firstColumn(sql, bind(args)) as Promise<Value[]>;
}
