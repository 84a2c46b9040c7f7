import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from './digest.js';

/** A slot's size: large enough that the messages per upload stay few, small enough to keep several in flight. */
export const SLOT_BYTES = 1024 * 1024;
/** Slots for all uploads together; shared memory is only resident once a slot is used. */
const SLOTS = 16;

/**
 * One piece of the shared memory that uploads are received into (upload-body.ts). While an
 * upload holds a slot, the hashing thread reads it in place and storage writes it, so a byte
 * is copied once after it leaves the socket.
 */
export interface Slot {
  readonly index: number;
  readonly bytes: Uint8Array;
}

/** The hashing thread: hash states by id, updated from the slots in the order they were posted. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const slots = [];
for (let slot = 0; slot < workerData.slots; slot++) {
  slots.push(new Uint8Array(workerData.memory, slot * workerData.slotBytes, workerData.slotBytes));
}
const hashes = new Map();
parentPort.on('message', (message) => {
  switch (message.op) {
    case 'create': hashes.set(message.id, createHash(message.algorithm)); break;
    case 'copy': hashes.set(message.id, hashes.get(message.from).copy()); break;
    case 'drop': hashes.delete(message.id); break;
    case 'update':
      // A slot can still be on its way for a hash whose owner was collected and dropped.
      hashes.get(message.id)?.update(slots[message.slot].subarray(0, message.length));
      parentPort.postMessage({ op: 'hashed', slot: message.slot });
      break;
    case 'digest':
      parentPort.postMessage({ op: 'digest', request: message.request, hex: hashes.get(message.id)?.copy().digest('hex') });
      break;
  }
});
`;

type FromWorker = { op: 'hashed'; slot: number } | { op: 'digest'; request: number; hex: string | undefined };

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** One thread hashes for every upload, so the main thread only receives and writes. */
class HashingThread {
  private worker: Worker | undefined;
  private memory: SharedArrayBuffer | undefined;
  private slots: Slot[] = [];
  private free: number[] = [];
  private waitingForSlot: (() => void)[] = [];
  /** Slots on the thread, by index: settled once hashed. */
  private readonly hashing = new Map<number, Pending>();
  private nextId = 0;
  private nextRequest = 0;
  private readonly digests = new Map<
    number,
    { resolve: (hex: string) => void; reject: (e: Error) => void }
  >();
  /** Hash states whose owner was collected are dropped on the thread too. */
  private readonly owners = new FinalizationRegistry<Handle>(({ id, worker }) => {
    if (worker === this.worker) worker.postMessage({ op: 'drop', id });
  });

  /** The shared memory outlives a failed thread: a new thread is given the same slots. */
  private slotMemory(): SharedArrayBuffer {
    if (this.memory) return this.memory;
    const memory = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
    this.memory = memory;
    this.slots = Array.from({ length: SLOTS }, (_, index) => ({
      index,
      bytes: new Uint8Array(memory, index * SLOT_BYTES, SLOT_BYTES),
    }));
    // Popped from the end: the lowest slots are reused first, so the others stay untouched.
    this.free = this.slots.map((_, index) => SLOTS - 1 - index);
    return memory;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { memory: this.slotMemory(), slots: SLOTS, slotBytes: SLOT_BYTES },
    });
    // A registry with no uploads in flight may exit; the thread never keeps it alive.
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.op === 'hashed') {
        const pending = this.hashing.get(message.slot);
        this.hashing.delete(message.slot);
        pending?.resolve();
      } else {
        const pending = this.digests.get(message.request);
        this.digests.delete(message.request);
        if (message.hex === undefined) pending?.reject(new Error('the hashing thread lost this hash'));
        else pending?.resolve(message.hex);
      }
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      // Every state on the thread is gone: pending work fails, and so does any use of those states.
      this.worker = undefined;
      for (const pending of this.hashing.values()) pending.reject(error);
      this.hashing.clear();
      for (const pending of this.digests.values()) pending.reject(error);
      this.digests.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing thread exited with ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** A free slot, or undefined when all are held (`whenSlotFree` says when to try again). */
  tryAcquireSlot(): Slot | undefined {
    this.slotMemory();
    const index = this.free.pop();
    return index === undefined ? undefined : this.slots[index];
  }

  whenSlotFree(retry: () => void): void {
    this.waitingForSlot.push(retry);
  }

  releaseSlot(slot: Slot): void {
    this.free.push(slot.index);
    // Everyone waiting tries again; whoever finds none free asks to wait again.
    const waiting = this.waitingForSlot;
    this.waitingForSlot = [];
    for (const retry of waiting) retry();
  }

  private live(handle: Handle): Worker {
    if (handle.worker !== this.worker) throw new Error('the hashing thread lost this hash');
    return handle.worker;
  }

  create(owner: object, algorithm: DigestAlgorithm | undefined, from?: Handle): Handle {
    const worker = this.thread();
    if (from) this.live(from);
    const id = this.nextId++;
    worker.postMessage(from ? { op: 'copy', id, from: from.id } : { op: 'create', id, algorithm });
    const handle = { id, worker };
    this.owners.register(owner, handle);
    return handle;
  }

  /** Hashes the first `length` bytes of `slot`; settles once the slot is no longer read. */
  update(handle: Handle, slot: Slot, length: number): Promise<void> {
    try {
      this.live(handle).postMessage({ op: 'update', id: handle.id, slot: slot.index, length });
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.hashing.set(slot.index, { resolve, reject }));
  }

  digest(handle: Handle): Promise<string> {
    try {
      this.live(handle);
    } catch (error) {
      return Promise.reject(error);
    }
    const request = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.digests.set(request, { resolve, reject });
      handle.worker.postMessage({ op: 'digest', id: handle.id, request });
    });
  }
}

interface Handle {
  id: number;
  worker: Worker;
}

const hashingThread = new HashingThread();

export const tryAcquireSlot = (): Slot | undefined => hashingThread.tryAcquireSlot();
export const whenSlotFree = (retry: () => void): void => hashingThread.whenSlotFree(retry);
export const releaseSlot = (slot: Slot): void => hashingThread.releaseSlot(slot);

/**
 * A running digest of an upload. Hashing a 256 MiB push takes ~0.2 s of one core; on a worker
 * thread it overlaps with receiving and writing on the main thread instead of adding to them.
 * Small uploads (configs, small layers) never reach the thread: a hash that holds nothing yet
 * moves there when it is given a full slot (1 MiB), and stays on the main thread otherwise. A
 * hash that already holds bytes stays where it is. Slots are hashed in the order given.
 */
export class OffThreadHash {
  private local: Hash | undefined;
  private remote: Handle | undefined;
  /** Bytes hashed here on the main thread. */
  private localBytes = 0;

  private constructor(
    private readonly algorithm: DigestAlgorithm,
    from?: OffThreadHash,
  ) {
    if (from?.remote) {
      this.remote = hashingThread.create(this, undefined, from.remote);
    } else {
      this.local = from?.local ? from.local.copy() : createHash(algorithm);
      this.localBytes = from?.localBytes ?? 0;
    }
  }

  static create(algorithm: DigestAlgorithm): OffThreadHash {
    return new OffThreadHash(algorithm);
  }

  /** Hashes the first `length` bytes of `slot`; settles once the slot may be reused. */
  update(slot: Slot, length: number): Promise<void> {
    if (!this.remote && this.localBytes === 0 && length === SLOT_BYTES) {
      this.remote = hashingThread.create(this, this.algorithm);
      this.local = undefined;
    }
    if (this.remote) return hashingThread.update(this.remote, slot, length);
    this.local!.update(slot.bytes.subarray(0, length));
    this.localBytes += length;
    return Promise.resolve();
  }

  /** An independent hash that continues from the bytes given so far. */
  copy(): OffThreadHash {
    return new OffThreadHash(this.algorithm, this);
  }

  /** Hex digest of everything given so far; the hash may go on being updated. */
  digest(): Promise<string> {
    if (this.local) return Promise.resolve(this.local.copy().digest('hex'));
    return hashingThread.digest(this.remote!);
  }
}
