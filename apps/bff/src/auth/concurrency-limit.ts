/**
 * At most `max` tasks at once, at most `maxWaiting` in line; `run` answers undefined, without running the
 * task, when the line is full. Urgent tasks wait in a line of their own that goes first. Password
 * hashing runs on libuv's small thread pool: bounded, a flood of guesses cannot occupy every thread,
 * and sign-ins with a clean record do not queue behind it.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly urgent: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>, urgent = false): Promise<{ value: T } | undefined> {
    if (this.active < this.max) {
      this.active += 1;
    } else {
      if (this.waiting.length + this.urgent.length >= this.maxWaiting) return undefined;
      // The finishing task hands its slot over, so `active` already counts this one.
      await new Promise<void>((resolve) => (urgent ? this.urgent : this.waiting).push(resolve));
    }
    try {
      return { value: await task() };
    } finally {
      const next = this.urgent.shift() ?? this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
