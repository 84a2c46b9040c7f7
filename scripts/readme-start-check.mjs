#!/usr/bin/env node
// CI step: runs the README's start command, verbatim, in a clean clone of HEAD (on free ports and a
// fresh data folder), waits until the stack is up and serving, presses Ctrl-C, and checks that both
// services stopped. Exits 1 with the reason otherwise.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split(/^## /m).find((part) => part.startsWith('Run it\n')) ?? '';
const command = /```sh\n([^\n]+)\n```/.exec(section)?.[1];
if (!command) fail('README has no command under "## Run it"');

const freePort = () =>
  new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });

const work = mkdtempSync(join(tmpdir(), 'berth-readme-start-'));
const clone = join(work, 'berth');
execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, clone]);
const env = {
  ...process.env,
  BERTH_DATA_DIR: join(work, 'data'),
  BFF_PORT: String(await freePort()),
  REGISTRY_PORT: String(await freePort()),
};
console.log(`README start command in a clean clone: ${command}`);
const stack = spawn('bash', ['-c', command], {
  cwd: clone,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
let output = '';
for (const stream of [stack.stdout, stack.stderr]) {
  stream.on('data', (chunk) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
}
const exited = new Promise((resolveExit) => stack.once('exit', resolveExit));

const deadline = Date.now() + 15 * 60_000;
while (!/berth: up/.test(output)) {
  if (stack.exitCode !== null) fail(`the command exited (${stack.exitCode}) before the stack was up`);
  if (Date.now() > deadline) fail('the stack was not up within 15 minutes');
  await new Promise((wait) => setTimeout(wait, 500));
}
const health = await fetch(`http://127.0.0.1:${env.BFF_PORT}/-/health`);
const challenge = await fetch(`http://127.0.0.1:${env.REGISTRY_PORT}/v2/`);
if (health.status !== 200 || challenge.status !== 401) {
  fail(`expected the BFF to answer 200 and the registry 401, got ${health.status} and ${challenge.status}`);
}
process.kill(-stack.pid, 'SIGINT');
await exited;
await new Promise((wait) => setTimeout(wait, 2_000));
for (const port of [env.BFF_PORT, env.REGISTRY_PORT]) {
  const stillUp = await fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );
  if (stillUp) fail(`port ${port} still answers after Ctrl-C`);
}
rmSync(work, { recursive: true, force: true });
console.log('README start command: up, served, and stopped by Ctrl-C');

function fail(reason) {
  console.error(`readme-start-check: ${reason}`);
  if (typeof stack !== 'undefined' && stack.exitCode === null) process.kill(-stack.pid, 'SIGKILL');
  process.exit(1);
}
