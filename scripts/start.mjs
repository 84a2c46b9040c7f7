#!/usr/bin/env node
// Runs the whole stack on embedded defaults: the BFF first (it creates the token
// signing key on first start), then the registry trusting that key.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const dataDir = resolve(process.env.BERTH_DATA_DIR ?? './data');
const bffPort = process.env.BFF_PORT ?? '8080';
const env = {
  ...process.env,
  BERTH_DATA_DIR: dataDir,
  REGISTRY_AUTH_TOKEN_REALM: process.env.REGISTRY_AUTH_TOKEN_REALM ?? `http://127.0.0.1:${bffPort}/jwt/auth`,
};
const children = [];
let stopping = false;

function run(name, script) {
  const child = spawn(process.execPath, [script, ...(name === 'registry' ? ['serve'] : [])], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the stack`);
      stop(code || 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

run('bff', 'apps/bff/dist/src/server.js');
const publicKey = resolve(dataDir, 'bff/token-signing-key.pub.pem');
const deadline = Date.now() + 30_000;
while ((process.env.REGISTRY_AUTH ?? 'token') === 'token' && !existsSync(publicKey)) {
  if (Date.now() > deadline || stopping) {
    console.error(`the BFF did not create ${publicKey} within 30 s`);
    stop(1);
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
if (!stopping) run('registry', 'packages/registry/dist/berth-registry.mjs');
