import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../src/auth/concurrency-limit.js';

/** A task that runs until `finish` is called, recording when it starts. */
function gate(started: string[], name: string) {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    task: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

describe('ConcurrencyLimit (password hashing)', () => {
  it('runs at most max at once, lets urgent tasks go first, and turns away what does not fit in line', async () => {
    const started: string[] = [];
    const limit = new ConcurrencyLimit(1, 2);
    const first = gate(started, 'first');
    const guess = gate(started, 'guess');
    const signIn = gate(started, 'sign-in');
    const running = limit.run(first.task);
    const queuedGuess = limit.run(guess.task);
    const queuedSignIn = limit.run(signIn.task, true);
    expect(await limit.run(async () => 'overflow')).toBeUndefined();
    await Promise.resolve();
    expect(started).toEqual(['first']);
    first.finish();
    expect(await running).toEqual({ value: 'first' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['first', 'sign-in']);
    signIn.finish();
    expect(await queuedSignIn).toEqual({ value: 'sign-in' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['first', 'sign-in', 'guess']);
    guess.finish();
    expect(await queuedGuess).toEqual({ value: 'guess' });
  });

  it('hands the slot on when a task fails', async () => {
    const limit = new ConcurrencyLimit(1, 1);
    const failing = limit.run(async () => {
      throw new Error('boom');
    });
    const next = limit.run(async () => 'next');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toEqual({ value: 'next' });
  });
});
