import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { releaseConsumedBytes } from './young-garbage.js';

/** A slot's size: one write and one hash update per MiB instead of one per 64 KiB socket chunk. */
export const SLOT_BYTES = 1024 * 1024;
/** Slots for all uploads together; each is allocated when first needed and kept for reuse. */
const SLOTS = 16;
/** Slots one body may hold at a time: enough to go on receiving while storage writes. */
const SLOTS_PER_BODY = 3;

const freeSlots: Uint8Array[] = [];
let allocatedSlots = 0;
let waitingForSlot: (() => void)[] = [];

function tryAcquireSlot(): Uint8Array | undefined {
  const slot = freeSlots.pop();
  if (slot || allocatedSlots >= SLOTS) return slot;
  allocatedSlots++;
  return new Uint8Array(SLOT_BYTES);
}

function releaseSlot(slot: Uint8Array): void {
  freeSlots.push(slot);
  // Everyone waiting tries again; whoever finds none free asks to wait again.
  const waiting = waitingForSlot;
  waitingForSlot = [];
  for (const retry of waiting) retry();
}

interface FullSlot {
  slot: Uint8Array;
  length: number;
}

/**
 * A request body on its way to storage, in the form storage drivers take it (storage/driver.ts):
 * chunks that are the consumer's only until it asks for the next one. The body is read into
 * 1 MiB slots as fast as it arrives; each full slot is added to `hash` and handed to the
 * consumer, and is reused once the consumer asks for the next chunk: one copy per byte, and one
 * hash update and one write per MiB, where the socket's 64 KiB chunks each went through a
 * hashing stream and the file's stream before (docs/benchmarks.md has the side-by-side figures).
 *
 * Receiving starts with the first chunk asked for. `close()` must be called when the consumer is
 * done or has failed: it lets go of the slots and reads the rest of the body away, so the
 * request can still be answered.
 */
export class UploadBody implements AsyncIterable<Uint8Array> {
  private readonly ready: FullSlot[] = [];
  /** The slot being filled, and how far. */
  private filling: Uint8Array | undefined;
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
    private readonly hash: Hash | undefined,
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

  /** Lets go of every slot and discards what the body still sends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.off('data', this.onData);
    this.waiting = undefined;
    if (this.handedOut) this.giveBack(this.handedOut.slot);
    this.handedOut = undefined;
    for (const { slot } of this.ready.splice(0)) this.giveBack(slot);
    if (this.filling) this.giveBack(this.filling);
    this.filling = undefined;
    if (!this.ended) this.source.resume();
  }

  private async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.handedOut) this.giveBack(this.handedOut.slot);
    this.handedOut = undefined;
    if (!this.started) this.start();
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) return { done: true, value: undefined };
      const full = this.ready.shift();
      if (full) {
        this.handedOut = full;
        return { done: false, value: full.slot.subarray(0, full.length) };
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
          if (this.held < SLOTS_PER_BODY) waitingForSlot.push(() => this.readOn());
          return;
        }
        this.held++;
        this.filling = slot;
        this.filled = 0;
      }
      const length = Math.min(SLOT_BYTES - this.filled, chunk.byteLength - offset);
      this.filling.set(chunk.subarray(offset, offset + length), this.filled);
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

  /** Adds the slot being filled to the hash and queues it for the consumer. */
  private dispatchFilling(): void {
    const slot = this.filling;
    if (!slot) return;
    const length = this.filled;
    this.filling = undefined;
    if (length === 0) {
      this.giveBack(slot);
      return;
    }
    this.hash?.update(slot.subarray(0, length));
    this.ready.push({ slot, length });
    this.wake();
  }

  private giveBack(slot: Uint8Array): void {
    this.held--;
    releaseSlot(slot);
    this.readOn();
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
