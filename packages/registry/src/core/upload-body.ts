import type { Readable } from 'node:stream';
import {
  type OffThreadHash,
  releaseSlot,
  SLOT_BYTES,
  type Slot,
  tryAcquireSlot,
  whenSlotFree,
} from './off-thread-hash.js';
import { releaseConsumedBytes } from './young-garbage.js';

/** Slots one body may hold at a time: enough to go on receiving while storage writes and the thread hashes. */
const SLOTS_PER_BODY = 4;

interface FullSlot {
  slot: Slot;
  length: number;
  /** Settles once the hash no longer reads the slot. */
  hashed: Promise<void>;
}

/**
 * A request body on its way to storage, in the form storage drivers take it (storage/driver.ts):
 * chunks that are the consumer's only until it asks for the next one. The body is read into
 * slots of shared memory as fast as it arrives; each full slot goes to `hash` (the hashing
 * thread reads it in place) and to the consumer, and is reused once both are done with it.
 * Piping the socket's 64 KiB chunks through streams instead cost the main thread about twice the
 * work per byte; here it is one copy per byte and one hand-over per MiB.
 *
 * Receiving starts with the first chunk asked for. `close()` must be called when the consumer is
 * done or has failed: it lets go of the slots and reads the rest of the body away, so the
 * request can still be answered.
 */
export class UploadBody implements AsyncIterable<Uint8Array> {
  private readonly ready: FullSlot[] = [];
  /** The slot being filled, and how far. */
  private filling: Slot | undefined;
  private filled = 0;
  /** The chunk the consumer holds now. */
  private handedOut: FullSlot | undefined;
  /** Slots this body holds, in any state. */
  private held = 0;
  /** The rest of a chunk that arrived when this body could take no slot; the body is paused meanwhile. */
  private waiting: Uint8Array | undefined;
  private started = false;
  private ended = false;
  private closed = false;
  private failure: Error | undefined;
  private wakeConsumer: (() => void) | undefined;

  constructor(
    private readonly source: Readable,
    private readonly hash: OffThreadHash | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Lets go of every slot (each once the hash is done with it) and discards what the body still sends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.off('data', this.onData);
    this.waiting = undefined;
    if (this.handedOut) this.giveBack(this.handedOut);
    this.handedOut = undefined;
    for (const full of this.ready.splice(0)) this.giveBack(full);
    if (this.filling) this.giveBack({ slot: this.filling, length: 0, hashed: Promise.resolve() });
    this.filling = undefined;
    if (!this.ended) this.source.resume();
  }

  private async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.handedOut) this.giveBack(this.handedOut);
    this.handedOut = undefined;
    if (!this.started) this.start();
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) return { done: true, value: undefined };
      const full = this.ready.shift();
      if (full) {
        this.handedOut = full;
        return { done: false, value: full.slot.bytes.subarray(0, full.length) };
      }
      if (this.ended && !this.waiting) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve;
      });
    }
  }

  private start(): void {
    this.started = true;
    // The body may have ended or broken off while the request waited for its turn.
    if (this.source.readableEnded) {
      this.ended = true;
      return;
    }
    if (this.source.destroyed) {
      this.fail(this.source.errored ?? new Error('the request body ended before it was complete'));
      return;
    }
    this.source.on('data', this.onData);
    this.source.once('end', () => {
      this.ended = true;
      if (!this.waiting) this.dispatchFilling();
      this.wake();
    });
    this.source.once('error', (error) => this.fail(error));
    // A body that stops without ending (the client went away) is a failure, not a short upload.
    this.source.once('close', () => {
      if (!this.ended) this.fail(new Error('the request body ended before it was complete'));
    });
  }

  private readonly onData = (chunk: Buffer) => {
    releaseConsumedBytes(chunk.length);
    this.take(chunk);
  };

  /** Copies `chunk` into slots; when this body can take no slot, keeps the rest and pauses the body. */
  private take(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (!this.filling) {
        const slot = this.held < SLOTS_PER_BODY ? tryAcquireSlot() : undefined;
        if (!slot) {
          this.waiting = chunk.subarray(offset);
          this.source.pause();
          // At its own limit, a slot it gives back wakes this body; else any slot freed anywhere.
          if (this.held < SLOTS_PER_BODY) whenSlotFree(() => this.readOn());
          return;
        }
        this.held++;
        this.filling = slot;
        this.filled = 0;
      }
      const length = Math.min(SLOT_BYTES - this.filled, chunk.byteLength - offset);
      this.filling.bytes.set(chunk.subarray(offset, offset + length), this.filled);
      this.filled += length;
      offset += length;
      if (this.filled === SLOT_BYTES) this.dispatchFilling();
    }
  }

  /** Copies in what was waiting, and reads on when all of it found room. */
  private readOn(): void {
    const rest = this.waiting;
    if (this.closed || !rest) return;
    this.waiting = undefined;
    this.take(rest);
    if (this.waiting) return;
    if (this.ended) {
      this.dispatchFilling();
      this.wake();
    } else this.source.resume();
  }

  /** Hands the slot being filled to the hash and queues it for the consumer. */
  private dispatchFilling(): void {
    const slot = this.filling;
    if (!slot) return;
    const length = this.filled;
    this.filling = undefined;
    if (length === 0) {
      this.giveBack({ slot, length, hashed: Promise.resolve() });
      return;
    }
    const hashed = this.hash ? this.hash.update(slot, length) : Promise.resolve();
    hashed.catch((error: Error) => this.fail(error));
    this.ready.push({ slot, length, hashed });
    this.wake();
  }

  /** Returns a slot once the hash no longer reads it. */
  private giveBack({ slot, hashed }: FullSlot): void {
    const release = () => {
      this.held--;
      releaseSlot(slot);
      this.readOn();
    };
    hashed.then(release, release);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }
}
