// Native addons (better-sqlite3) build with node-gyp, which otherwise downloads Node's headers
// from nodejs.org. pnpm 12 reads no `nodedir` from .npmrc or pnpm-workspace.yaml, so hand the
// build scripts the headers of the Node.js that runs pnpm when they are installed beside it
// (e.g. /usr/include/node for /usr/bin/node), as node-gyp itself does for Node builds that
// declare `use_prefix_to_find_headers`. An npm_config_nodedir set by the caller still wins.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function localNodeHeadersPrefix() {
  const prefix = dirname(dirname(process.execPath));
  let header;
  try {
    header = readFileSync(join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
  } catch {
    return undefined;
  }
  const version = ['MAJOR', 'MINOR', 'PATCH']
    .map((part) => new RegExp(`^#define NODE_${part}_VERSION (\\d+)`, 'm').exec(header)?.[1])
    .join('.');
  return `v${version}` === process.version ? prefix : undefined;
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const nodedir = localNodeHeadersPrefix();
      if (!nodedir || process.env.npm_config_nodedir) return config;
      return { ...config, extraEnv: { ...config.extraEnv, npm_config_nodedir: nodedir } };
    },
  },
};
