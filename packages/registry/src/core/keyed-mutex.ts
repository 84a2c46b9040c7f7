/**
 * Serialises async work per key. Blob commits and garbage collection of the same digest take
 * turns, so a blob is never deleted between a push finding its bytes present and the push
 * recording its link. KeyedMutex does so within one process; replicas on one PostgreSQL use
 * its advisory locks (see database-locks.ts).
 */
export interface DigestLocks {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export class KeyedMutex implements DigestLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work);
    const tail = current.catch(() => {});
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
