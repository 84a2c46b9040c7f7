import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from './digest.js';

/**
 * Bytes travel to the hashing thread through slots of shared memory: copying a chunk into a
 * slot is a memcpy, and one message per full slot keeps the messages few (a message per
 * 64 KiB socket chunk cost more than the hashing). Four slots bound what an upload holds here.
 */
const SLOT_BYTES = 1024 * 1024;
const SLOTS = 4;

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
      parentPort.postMessage({ op: 'free', slot: message.slot });
      break;
    case 'digest':
      parentPort.postMessage({ op: 'digest', request: message.request, hex: hashes.get(message.id)?.copy().digest('hex') });
      break;
  }
});
`;

type FromWorker = { op: 'free'; slot: number } | { op: 'digest'; request: number; hex: string | undefined };

/** One thread hashes for every upload, so the main thread only receives and writes. */
class HashingThread {
  private worker: Worker | undefined;
  private slots: Uint8Array[] = [];
  private free: number[] = [];
  /** The slot being filled, and for which hash. */
  private filling: { slot: number; id: number; length: number } | undefined;
  private nextId = 0;
  private nextRequest = 0;
  private waiting: (() => void)[] = [];
  private readonly digests = new Map<
    number,
    { resolve: (hex: string) => void; reject: (e: Error) => void }
  >();
  /** Hash states whose owner was collected are dropped on the thread too. */
  private readonly owners = new FinalizationRegistry<Handle>(({ id, worker }) => {
    if (worker === this.worker) worker.postMessage({ op: 'drop', id });
  });

  private thread(): Worker {
    if (this.worker) return this.worker;
    const memory = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { memory, slots: SLOTS, slotBytes: SLOT_BYTES },
    });
    // A registry with no uploads in flight may exit; the thread never keeps it alive.
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.op === 'free') {
        this.free.push(message.slot);
        this.wake();
      } else {
        const pending = this.digests.get(message.request);
        this.digests.delete(message.request);
        if (message.hex === undefined) pending?.reject(new Error('the hashing thread lost this hash'));
        else pending?.resolve(message.hex);
      }
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      // Every state on the thread is gone: pending digests fail, and so does any use of those states.
      this.worker = undefined;
      this.filling = undefined;
      this.wake();
      for (const pending of this.digests.values()) pending.reject(error);
      this.digests.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing thread exited with ${code}`)));
    this.worker = worker;
    this.slots = Array.from(
      { length: SLOTS },
      (_, slot) => new Uint8Array(memory, slot * SLOT_BYTES, SLOT_BYTES),
    );
    this.free = this.slots.map((_, slot) => slot);
    return worker;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private live(handle: Handle): Worker {
    if (handle.worker !== this.worker) throw new Error('the hashing thread lost this hash');
    return handle.worker;
  }

  /** Posts the slot being filled when it holds bytes of `id` (or any, without `id`). */
  private post(id?: number): void {
    const filling = this.filling;
    if (!filling || (id !== undefined && filling.id !== id)) return;
    this.filling = undefined;
    this.worker?.postMessage({ op: 'update', id: filling.id, slot: filling.slot, length: filling.length });
  }

  create(owner: object, algorithm: DigestAlgorithm | undefined, from?: Handle): Handle {
    const worker = this.thread();
    if (from) {
      this.live(from);
      this.post(from.id);
    }
    const id = this.nextId++;
    worker.postMessage(from ? { op: 'copy', id, from: from.id } : { op: 'create', id, algorithm });
    const handle = { id, worker };
    this.owners.register(owner, handle);
    return handle;
  }

  /** Copies `chunk` into slots; when none is free, resolves once the rest is copied. */
  update(handle: Handle, chunk: Uint8Array): Promise<void> | undefined {
    this.live(handle);
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.filling && this.filling.id !== handle.id) this.post();
      if (!this.filling) {
        const slot = this.free.pop();
        if (slot === undefined) {
          const rest = chunk.subarray(offset);
          return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() =>
            this.update(handle, rest),
          );
        }
        this.filling = { slot, id: handle.id, length: 0 };
      }
      const filling = this.filling;
      const length = Math.min(SLOT_BYTES - filling.length, chunk.byteLength - offset);
      this.slots[filling.slot]!.set(chunk.subarray(offset, offset + length), filling.length);
      filling.length += length;
      offset += length;
      if (filling.length === SLOT_BYTES) this.post();
    }
    return undefined;
  }

  digest(handle: Handle): Promise<string> {
    try {
      this.live(handle);
    } catch (error) {
      return Promise.reject(error);
    }
    this.post(handle.id);
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

/** Uploads smaller than this are hashed on the main thread: a round trip to the thread would cost more. */
const LOCAL_HASH_BYTES = 1024 * 1024;

/**
 * A running digest of an upload. Hashing a 256 MiB push takes ~0.2 s of one core; on a worker
 * thread it overlaps with receiving and writing on the main thread instead of adding to them.
 * Small uploads (configs, small layers) never reach the thread: a hash starts on the main
 * thread and moves to the worker once one stream has brought it 1 MiB, replaying that stream's
 * chunks, which it holds only until the stream ends (`settle`). A hash that already holds bytes
 * of an earlier request stays where it is. Chunks are hashed in the order `update` was called.
 */
export class OffThreadHash {
  private local: Hash | undefined;
  private remote: Handle | undefined;
  /** Every byte this hash holds, while it may still move to the thread. */
  private replay: Uint8Array[] | undefined;
  private replayBytes = 0;
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
      // A copy of an empty hash may still move; one that holds bytes of another request may not.
      if (this.localBytes === 0) this.replay = [];
    }
  }

  static create(algorithm: DigestAlgorithm): OffThreadHash {
    return new OffThreadHash(algorithm);
  }

  /** Queues `chunk`; a promise means too much is waiting to be hashed and the caller should wait for it. */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.remote) return hashingThread.update(this.remote, chunk);
    this.local!.update(chunk);
    this.localBytes += chunk.byteLength;
    if (!this.replay) return undefined;
    this.replay.push(chunk);
    this.replayBytes += chunk.byteLength;
    if (this.replayBytes < LOCAL_HASH_BYTES) return undefined;
    const remote = hashingThread.create(this, this.algorithm);
    const replay = this.replay;
    this.remote = remote;
    this.local = undefined;
    this.settle();
    let queued: Promise<void> | undefined;
    for (const held of replay) {
      queued = queued
        ? queued.then(() => hashingThread.update(remote, held))
        : hashingThread.update(remote, held);
    }
    return queued;
  }

  /** The stream that fed this hash has ended: its chunks are let go, and the hash stays where it is. */
  settle(): void {
    this.replay = undefined;
  }

  /** An independent hash that continues from the bytes queued so far. */
  copy(): OffThreadHash {
    return new OffThreadHash(this.algorithm, this);
  }

  /** Hex digest of everything queued so far; the hash may go on being updated. */
  digest(): Promise<string> {
    if (this.local) return Promise.resolve(this.local.copy().digest('hex'));
    return hashingThread.digest(this.remote!);
  }
}
