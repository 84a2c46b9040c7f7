export interface RequestedScope {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses one `type[(class)]:name:actions` scope. The name sits between the first and the last colon, so
 * it may carry `host:port/`; a leading host (with a port, `localhost`, or the registry's own host) is
 * stripped. `registryHosts` are host names (and host:port) of this registry.
 */
export function parseScope(raw: string, registryHosts: readonly string[]): RequestedScope | undefined {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = raw.slice(0, first).replace(/\(.*\)$/, '');
  let name = raw.slice(first + 1, last);
  const actions = raw
    .slice(last + 1)
    .split(',')
    .map((action) => action.trim())
    .filter((action) => action.length > 0);
  const slash = name.indexOf('/');
  if (slash > 0) {
    const head = name.slice(0, slash);
    if (head.includes(':') || head === 'localhost' || registryHosts.includes(head))
      name = name.slice(slash + 1);
  }
  if (name.length === 0 || actions.length === 0) return undefined;
  return { type, name, actions };
}

/** `scope` may repeat, and one value may hold several scopes separated by spaces (OAuth 2 style). */
export function parseScopes(values: readonly string[], registryHosts: readonly string[]): RequestedScope[] {
  return values
    .flatMap((value) => value.split(' '))
    .filter((value) => value.length > 0)
    .flatMap((value) => parseScope(value, registryHosts) ?? []);
}
