import { createHash, randomBytes } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { OffThreadHash } from '../../src/core/off-thread-hash.js';
// Loaded first by the registry: it exposes `gc` to new contexts.
import '../../src/core/young-garbage.js';

const MiB = 1024 * 1024;
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

/** Feeds `bytes` in pieces of `piece` bytes, waiting whenever the hash asks to. */
async function feed(hash: OffThreadHash, bytes: Buffer, piece: number) {
  for (let offset = 0; offset < bytes.length; offset += piece) {
    await hash.update(bytes.subarray(offset, offset + piece));
  }
}

describe('OffThreadHash', () => {
  it('digests what a hash on the main thread digests, across slot boundaries and with waiting', async () => {
    // 9.5 MiB in odd pieces: more than all slots hold, and pieces that straddle slots.
    const bytes = randomBytes(9 * MiB + MiB / 2);
    const hash = OffThreadHash.create('sha256');
    await feed(hash, bytes, 65_521);
    expect(await hash.digest()).toBe(sha256(bytes));
  });

  it('digests nothing as the empty digest, and sha512 as sha512', async () => {
    expect(await OffThreadHash.create('sha256').digest()).toBe(sha256());
    const bytes = randomBytes(3 * MiB);
    const hash = OffThreadHash.create('sha512');
    await feed(hash, bytes, MiB);
    expect(await hash.digest()).toBe(createHash('sha512').update(bytes).digest('hex'));
  });

  it('keeps interleaved hashes apart, and a copy continues independently of its original', async () => {
    const [a, b, tailA, tailCopy] = [
      randomBytes(2 * MiB + 7),
      randomBytes(MiB + 3),
      randomBytes(500),
      randomBytes(900),
    ];
    const first = OffThreadHash.create('sha256');
    const second = OffThreadHash.create('sha256');
    for (let offset = 0; offset < Math.max(a.length, b.length); offset += 100_000) {
      await first.update(a.subarray(offset, offset + 100_000));
      await second.update(b.subarray(offset, offset + 100_000));
    }
    const copy = first.copy();
    await first.update(tailA);
    await copy.update(tailCopy);
    // A digest leaves the hash usable: it is asked twice and updated in between.
    expect(await second.digest()).toBe(sha256(b));
    expect(await first.digest()).toBe(sha256(a, tailA));
    expect(await copy.digest()).toBe(sha256(a, tailCopy));
    await second.update(tailA);
    expect(await second.digest()).toBe(sha256(b, tailA));
  });
});

describe('OffThreadHash on the main thread and moving to the worker', () => {
  it('digests small uploads, uploads that cross 1 MiB mid-stream, and stays correct after settling', async () => {
    const small = randomBytes(200_000);
    const hash = OffThreadHash.create('sha256');
    await feed(hash, small, 65_536);
    hash.settle();
    expect(await hash.digest()).toBe(sha256(small));
    // Held bytes of an earlier request: the copy keeps hashing where it is, past 1 MiB too.
    const later = randomBytes(3 * MiB);
    const copy = hash.copy();
    await feed(copy, later, 65_536);
    expect(await copy.digest()).toBe(sha256(small, later));
    // A copy of an empty hash crosses 1 MiB in one stream and moves, replaying what it held.
    const fresh = OffThreadHash.create('sha256').copy();
    await feed(fresh, later, 100_000);
    fresh.settle();
    expect(await fresh.digest()).toBe(sha256(later));
    const after = fresh.copy();
    await after.update(small);
    expect(await after.digest()).toBe(sha256(later, small));
  });
});

describe('OffThreadHash whose owner is collected', () => {
  it('drops the state on the thread, and bytes still on their way for it do not disturb other hashes', async () => {
    const collect = runInNewContext('gc') as () => void;
    await (async () => {
      // 1.5 MiB moves the hash to the thread and leaves half a slot filling for it.
      const abandoned = OffThreadHash.create('sha256');
      await feed(abandoned, randomBytes(MiB + MiB / 2), 65_536);
    })();
    for (let round = 0; round < 5; round++) {
      collect();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const bytes = randomBytes(2 * MiB);
    const hash = OffThreadHash.create('sha256');
    await feed(hash, bytes, 65_536);
    expect(await hash.digest()).toBe(sha256(bytes));
  });
});
