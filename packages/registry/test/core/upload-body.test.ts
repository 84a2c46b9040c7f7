import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SLOT_BYTES, UploadBody } from '../../src/core/upload-body.js';
import '../../src/core/young-garbage.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function pieces(bytes: Buffer, piece: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += piece)
    out.push(bytes.subarray(offset, offset + piece));
  return out;
}

/** Reads `body` as a driver does, copying each chunk; `pause` ms between chunks. */
async function consume(body: UploadBody, pause = 0): Promise<Buffer> {
  const copies: Buffer[] = [];
  try {
    for await (const chunk of body) {
      expect(chunk.byteLength).toBeLessThanOrEqual(MiB);
      copies.push(Buffer.from(chunk));
      if (pause) await sleep(pause);
    }
  } finally {
    body.close();
  }
  return Buffer.concat(copies);
}

describe('UploadBody', () => {
  it('hands on the body in order, and reuses a chunk’s memory once the next one is asked for', async () => {
    const bytes = randomBytes(7 * MiB + 12_345);
    const body = new UploadBody(Readable.from(pieces(bytes, 65_536)), createHash('sha256'));
    const kept: { view: Uint8Array; copy: Buffer }[] = [];
    for await (const chunk of body) kept.push({ view: chunk, copy: Buffer.from(chunk) });
    body.close();
    expect(Buffer.concat(kept.map((k) => k.copy)).equals(bytes)).toBe(true);
    // More chunks than one body may hold: some memory was handed out twice, with other bytes.
    expect(kept.some(({ view, copy }) => !Buffer.from(view).equals(copy))).toBe(true);
  });

  it('gives every body its bytes and its digest when more bodies run than there are slots', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(6 * MiB + i * 1000));
    const results = await Promise.all(
      bodies.map(async (bytes, i) => {
        const hash = createHash('sha256');
        const received = await consume(new UploadBody(Readable.from(pieces(bytes, 100_000)), hash), i % 3);
        return { received, digest: hash.digest('hex') };
      }),
    );
    results.forEach(({ received, digest }, i) => {
      expect(received.equals(bodies[i]!)).toBe(true);
      expect(digest).toBe(sha256(bodies[i]!));
    });
  });

  it('stops reading the body while the consumer does not ask, holding at most three slots of it', async () => {
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 1024; i++) {
          produced += 65_536;
          yield Buffer.alloc(65_536, i);
        }
      })(),
    );
    const body = new UploadBody(source, undefined);
    const iterator = body[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await sleep(50);
    // Three slots, the chunk waiting for a fourth and what the stream buffers: nowhere near 64 MiB.
    expect(produced).toBeLessThan(6 * MiB);
    body.close();
    // Closing reads the rest away, so the request could still be answered.
    await new Promise((resolve) => source.once('end', resolve));
    expect(produced).toBe(64 * MiB);
  });

  it('lets go of its slots when the consumer stops early, so later bodies still get them all', async () => {
    for (let round = 0; round < 6; round++) {
      const body = new UploadBody(Readable.from(pieces(randomBytes(8 * MiB), 65_536)), undefined);
      for await (const _ of body) break;
    }
    const bytes = randomBytes(20 * MiB);
    const hash = createHash('sha256');
    expect((await consume(new UploadBody(Readable.from(pieces(bytes, 65_536)), hash))).equals(bytes)).toBe(
      true,
    );
    expect(hash.digest('hex')).toBe(sha256(bytes));
  });

  it('fails when the body fails, or had broken off before it was read', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 3 * MiB) return this.destroy(new Error('client went away'));
        sent += 65_536;
        this.push(randomBytes(65_536));
      },
    });
    await expect(consume(new UploadBody(failing, createHash('sha256')))).rejects.toThrow('client went away');
    const gone = new Readable({ read() {} });
    gone.destroy();
    await expect(consume(new UploadBody(gone, undefined))).rejects.toThrow('ended before it was complete');
  });

  it('hashes across slot boundaries as one hash over the whole body would, in sha512 too', async () => {
    // Odd pieces that straddle slots, ending in a partial slot.
    const bytes = randomBytes(5 * SLOT_BYTES + 54_321);
    for (const algorithm of ['sha256', 'sha512']) {
      const hash = createHash(algorithm);
      expect((await consume(new UploadBody(Readable.from(pieces(bytes, 65_521)), hash))).equals(bytes)).toBe(
        true,
      );
      expect(hash.digest('hex')).toBe(createHash(algorithm).update(bytes).digest('hex'));
    }
  });

  it('hands on nothing for an empty body', async () => {
    const hash = createHash('sha256');
    expect((await consume(new UploadBody(Readable.from([]), hash))).length).toBe(0);
    expect(hash.digest('hex')).toBe(sha256(Buffer.alloc(0)));
  });
});
