import type { UserRow } from '../db/schema.js';
import type { UserService } from '../domain/users.js';
import { ThrottledError } from '../errors.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { accountKey, addressKey, type SignInThrottle } from './sign-in-throttle.js';

/** Two of libuv's four threads at most: the rest stay free for file and other crypto work. */
const HASHING_CONCURRENCY = 2;
const HASHING_QUEUE = 64;
/** Sign-ins one client address may have hashing or waiting at once, so one client cannot fill the line. */
const PER_ADDRESS_IN_FLIGHT = 4;

const busy = () => new ThrottledError(1, 'Too many sign-ins in progress; try again shortly');

/**
 * Every password check goes through here (`/api/v4/session`, `/oauth/token`, Basic at `/jwt/auth`):
 * refused with 429 while the account or the client address is blocked, hashed one of a few at a time
 * (an account and address with no recent failure first), and counted when wrong. Tokens never come
 * here, so they are not slowed.
 */
export class PasswordSignIn {
  private readonly hashing = new ConcurrencyLimit(HASHING_CONCURRENCY, HASHING_QUEUE);
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly users: UserService,
    private readonly throttle: SignInThrottle,
  ) {}

  /** The active user whose password this is, or undefined; throws ThrottledError while blocked. */
  async verify(login: string, password: string, clientAddress: string): Promise<UserRow | undefined> {
    const account = accountKey(login);
    const address = addressKey(clientAddress);
    const keys = [account, address];
    const { suspect } = await this.refuseWhileBlocked(keys);
    const mine = this.inFlight.get(address.key) ?? 0;
    if (mine >= PER_ADDRESS_IN_FLIGHT) throw busy();
    this.inFlight.set(address.key, mine + 1);
    const outcome = await this.hashing
      .run(async () => {
        // Guesses queued behind this one may have blocked the keys while it waited.
        await this.refuseWhileBlocked(keys);
        const user = await this.users.authenticate(login, password);
        if (user) await this.throttle.forget(account);
        else await this.throttle.recordFailure(keys, new Date());
        return user;
      }, !suspect)
      .finally(() => {
        const left = (this.inFlight.get(address.key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(address.key, left);
        else this.inFlight.delete(address.key);
      });
    if (!outcome) throw busy();
    return outcome.value;
  }

  private async refuseWhileBlocked(keys: Parameters<SignInThrottle['status']>[0]) {
    const status = await this.throttle.status(keys, new Date());
    if (status.retryAfterS > 0) throw new ThrottledError(status.retryAfterS);
    return status;
  }
}
