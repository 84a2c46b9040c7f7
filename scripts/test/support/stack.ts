import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const BFF_SERVER = join(ROOT, 'apps/bff/dist/src/server.js');
export const REGISTRY_BIN = join(ROOT, 'packages/registry/dist/berth-registry.mjs');

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolvePort(address.port) : reject()));
    });
  });
}

/** Holds a port, as another program would. */
export async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return { port: address.port, server };
}

/** A temp folder for a data folder's parent; the data folder itself is not created, as on a first start. */
export function tempFolder(prefix: string): { path: string; dataDir: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dataDir: join(path, 'data'), remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RunningCommand {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stdout or stderr has a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Ctrl-C in a terminal: SIGINT to the whole process group. */
  interrupt(): void;
}

/** Runs a command in its own process group (as a terminal would), with only the given environment. */
export function runCommand(command: string, args: string[], env: Record<string, string>): RunningCommand {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  running.add(child);
  void exited.then(() => running.delete(child));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (pattern, timeoutMs = 90_000) =>
      new Promise<void>((resolveWait, reject) => {
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolveWait();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms\n${stdout}\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`exited before a line matching ${pattern}\n${stdout}\n${stderr}`));
          }
        });
        check();
      }),
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
  };
}

const running = new Set<ChildProcess>();

/** Stops whatever a test left running (its whole process group). */
export function stopAll(): void {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function exists(path: string): boolean {
  return existsSync(path);
}
