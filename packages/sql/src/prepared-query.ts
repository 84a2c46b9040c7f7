import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

class Placeholder {
  constructor(readonly index: number) {}
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
  const placeholders = Array.from({ length: build.length }, (_, index) => new Placeholder(index));
  const compiled = build(...(placeholders as Args)).compile();
  const slots = compiled.parameters.map((value) => (value instanceof Placeholder ? value.index : -1));
  if (!placeholders.every((placeholder) => slots.includes(placeholder.index))) {
    throw new Error('prepareQuery: every argument must be used as a query parameter');
  }
  return async (...args: Args) => {
    const parameters = compiled.parameters.map((value, position) => {
      const slot = slots[position]!;
      return slot >= 0 ? args[slot] : value;
    });
    const result = await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
    return result.rows;
  };
}
