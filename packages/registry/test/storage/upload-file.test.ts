import { randomBytes } from 'node:crypto';
import { constants, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseSlot, SLOT_BYTES, tryAcquireSlot } from '../../src/core/off-thread-hash.js';
import { UploadFile } from '../../src/storage/upload-file.js';

/** Open flags of this process's descriptors on `file` (from /proc/self/fdinfo). */
function openFlags(file: string): number[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== file) return [];
      const flags = /^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      return flags ? [Number.parseInt(flags[1]!, 8)] : [];
    } catch {
      return [];
    }
  });
}

describe('UploadFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-upload-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes slots with direct I/O and everything else through the page cache, in order', async () => {
    const file = join(dir, 'upload');
    const head = randomBytes(12_288);
    await writeFile(file, head);
    const slot = tryAcquireSlot()!;
    try {
      const { upload, directSupported } = await UploadFile.open(file, head.length, true);
      // /tmp here is ext4, which takes O_DIRECT; a file system that does not would say so.
      expect(directSupported).toBe(true);
      const whole = randomBytes(SLOT_BYTES);
      slot.bytes.set(whole);
      await upload.write(slot.bytes);
      expect(openFlags(file).some((flags) => (flags & constants.O_DIRECT) !== 0)).toBe(true);
      // An unaligned tail, then a chunk at an unaligned offset, then unaligned memory.
      const tail = randomBytes(1000);
      slot.bytes.set(tail);
      await upload.write(slot.bytes.subarray(0, tail.length));
      const next = randomBytes(8192);
      await upload.write(next);
      await upload.settle();
      await upload.close();
      expect(upload.bytesWritten).toBe(SLOT_BYTES + tail.length + next.length);
      expect((await readFile(file)).equals(Buffer.concat([head, whole, tail, next]))).toBe(true);
    } finally {
      releaseSlot(slot);
    }
  });

  it('falls back to the page cache for memory direct I/O cannot write from, and cuts back on request', async () => {
    const file = join(dir, 'upload');
    await writeFile(file, Buffer.alloc(0));
    const { upload } = await UploadFile.open(file, 0, true);
    // 16 bytes past a page boundary (or past 16 past one): the kernel refuses it for O_DIRECT.
    const misaligned = (length: number) => randomBytes(length + 64).subarray(16, 16 + length);
    const chunks = [misaligned(2 * SLOT_BYTES), misaligned(SLOT_BYTES)];
    for (const chunk of chunks) await upload.write(chunk);
    await upload.settle();
    expect(openFlags(file).some((flags) => (flags & constants.O_DIRECT) !== 0)).toBe(false);
    expect((await readFile(file)).equals(Buffer.concat(chunks))).toBe(true);
    await upload.cutBackTo(SLOT_BYTES);
    await upload.close();
    expect((await readFile(file)).equals(chunks[0]!.subarray(0, SLOT_BYTES))).toBe(true);
  });
});
