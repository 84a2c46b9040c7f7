import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { OffThreadHash } from '../../src/core/off-thread-hash.js';
import { UploadBody } from '../../src/core/upload-body.js';
// Loaded first by the registry: it exposes `gc` to new contexts.
import '../../src/core/young-garbage.js';

const MiB = 1024 * 1024;
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

/** Feeds `bytes` to `hash` as the registry does: a body of `piece`-byte chunks received into slots. */
async function feed(hash: OffThreadHash, bytes: Buffer, piece: number) {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += piece)
    pieces.push(bytes.subarray(offset, offset + piece));
  const body = new UploadBody(Readable.from(pieces), hash);
  try {
    for await (const _ of body);
  } finally {
    body.close();
  }
}

describe('OffThreadHash', () => {
  it('digests what a hash on the main thread digests, across slot boundaries and with waiting', async () => {
    // 9.5 MiB in odd pieces: more than one body's slots hold, and pieces that straddle slots.
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

  it('keeps concurrent hashes apart, and a copy continues independently of its original', async () => {
    const [a, b, tailA, tailCopy] = [
      randomBytes(2 * MiB + 7),
      randomBytes(MiB + 3),
      randomBytes(500),
      randomBytes(900),
    ];
    const first = OffThreadHash.create('sha256');
    const second = OffThreadHash.create('sha256');
    await Promise.all([feed(first, a, 100_000), feed(second, b, 100_000)]);
    const copy = first.copy();
    await feed(first, tailA, 100);
    await feed(copy, tailCopy, 100);
    // A digest leaves the hash usable: it is asked twice and updated in between.
    expect(await second.digest()).toBe(sha256(b));
    expect(await first.digest()).toBe(sha256(a, tailA));
    expect(await copy.digest()).toBe(sha256(a, tailCopy));
    await feed(second, tailA, 100);
    expect(await second.digest()).toBe(sha256(b, tailA));
  });
});

describe('OffThreadHash on the main thread and moving to the worker', () => {
  it('digests small uploads, stays where it is once it holds bytes, and moves when empty', async () => {
    const small = randomBytes(200_000);
    const hash = OffThreadHash.create('sha256');
    await feed(hash, small, 65_536);
    expect(await hash.digest()).toBe(sha256(small));
    // Holding bytes of an earlier request: the copy keeps hashing where it is, past 1 MiB too.
    const later = randomBytes(3 * MiB);
    const copy = hash.copy();
    await feed(copy, later, 65_536);
    expect(await copy.digest()).toBe(sha256(small, later));
    // A copy of an empty hash moves to the thread with its first full slot.
    const fresh = OffThreadHash.create('sha256').copy();
    await feed(fresh, later, 100_000);
    expect(await fresh.digest()).toBe(sha256(later));
    const after = fresh.copy();
    await feed(after, small, 65_536);
    expect(await after.digest()).toBe(sha256(later, small));
  });
});

describe('OffThreadHash whose owner is collected', () => {
  it('drops the state on the thread, and slots still on their way for it do not disturb other hashes', async () => {
    const collect = runInNewContext('gc') as () => void;
    await (async () => {
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
