import { readFileSync } from 'node:fs';
import type { PushedImage } from './images.ts';
import type { StackAddress } from './stack.ts';

/** Who and what the journeys start with; seeded once through the public API and real pushes. */
export interface World extends StackAddress {
  users: Record<
    'root' | 'maintainer' | 'developer' | 'reporter' | 'guest',
    { username: string; password: string }
  >;
  /** Public group `acme` with public project `acme/shop`; the users above are members at their roles. */
  group: { id: number; path: string };
  project: { id: number; path: string };
  images: Record<string, PushedImage>;
}

export const WORLD_FILE_VARIABLE = 'BERTH_E2E_WORLD';

export function readWorld(): World {
  const file = process.env[WORLD_FILE_VARIABLE];
  if (!file) throw new Error(`${WORLD_FILE_VARIABLE} is not set: run the journeys through playwright test`);
  return JSON.parse(readFileSync(file, 'utf8')) as World;
}
