import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { type StorageDriver, StorageNotFoundError } from '../../src/storage/driver.js';

/** The contract every storage driver must keep (docs/design.md §3); each driver's test file calls this. */
export function storageDriverSuite(name: string, createDriver: () => Promise<StorageDriver>): void {
  describe(`storage driver: ${name}`, () => {
    it('reports nothing for a missing path and refuses to read it', async () => {
      const driver = await createDriver();
      expect(await driver.stat('blobs/none')).toBeUndefined();
      await expect(driver.read('blobs/none')).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it('appends streams and reads whole objects and byte ranges back', async () => {
      const driver = await createDriver();
      const first = randomBytes(100_000);
      const second = randomBytes(33_333);
      expect(await driver.append('uploads/u1', Readable.from([first]))).toBe(first.length);
      expect(
        await driver.append('uploads/u1', Readable.from([second.subarray(0, 10), second.subarray(10)])),
      ).toBe(second.length);
      const whole = Buffer.concat([first, second]);
      expect(await driver.stat('uploads/u1')).toEqual({ size: whole.length });
      expect((await buffer(await driver.read('uploads/u1'))).equals(whole)).toBe(true);
      const part = await buffer(await driver.read('uploads/u1', { start: 99_990, end: 100_009 }));
      expect(part.equals(whole.subarray(99_990, 100_010))).toBe(true);
    });

    it('copies whole objects and ranges into a writable, reusing nothing before it is written', async () => {
      const driver = await createDriver();
      // Larger than one copy buffer, so buffers are reused while earlier chunks are still queued.
      const data = randomBytes(2 * 1024 * 1024 + 12_345);
      await driver.append('blobs/sha256/cd/copy', Readable.from([data]));
      const collect = async (range?: { start: number; end: number }) => {
        const chunks: Buffer[] = [];
        const sink = new Writable({
          highWaterMark: 1,
          write(chunk: Buffer, _encoding, callback) {
            // Hold the chunk as a slow socket would; read it only when done, just before the callback.
            setTimeout(() => {
              chunks.push(Buffer.from(chunk));
              callback();
            }, 1);
          },
        });
        await driver.copyTo('blobs/sha256/cd/copy', sink, range);
        return Buffer.concat(chunks);
      };
      expect((await collect()).equals(data)).toBe(true);
      expect(
        (await collect({ start: 1_000_000, end: 2_100_000 })).equals(data.subarray(1_000_000, 2_100_001)),
      ).toBe(true);
      await expect(
        driver.copyTo('blobs/none', new Writable({ write: (_c, _e, cb) => cb() })),
      ).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it('truncates back to an acknowledged size', async () => {
      const driver = await createDriver();
      const data = randomBytes(5000);
      await driver.append('uploads/u2', Readable.from([data]));
      await driver.truncate('uploads/u2', 1234);
      expect(await driver.stat('uploads/u2')).toEqual({ size: 1234 });
      expect((await buffer(await driver.read('uploads/u2'))).equals(data.subarray(0, 1234))).toBe(true);
    });

    it('moves atomically, replacing the target, and deletes idempotently', async () => {
      const driver = await createDriver();
      await driver.append('uploads/a', Readable.from([Buffer.from('new')]));
      await driver.append('blobs/sha256/ab/target', Readable.from([Buffer.from('old content')]));
      await driver.sync('uploads/a');
      await driver.move('uploads/a', 'blobs/sha256/ab/target');
      expect(await driver.stat('uploads/a')).toBeUndefined();
      expect((await buffer(await driver.read('blobs/sha256/ab/target'))).toString()).toBe('new');
      await driver.delete('blobs/sha256/ab/target');
      await driver.delete('blobs/sha256/ab/target');
      expect(await driver.stat('blobs/sha256/ab/target')).toBeUndefined();
    });

    it('refuses keys that would leave the store', async () => {
      const driver = await createDriver();
      for (const key of ['../escape', 'blobs/../../escape', '/etc/passwd', 'blobs//x', 'Blobs/X', '']) {
        await expect(driver.stat(key), key).rejects.toThrow(/refusing storage key/);
      }
    });

    it('keeps a failed append from surfacing as success', async () => {
      const driver = await createDriver();
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000, 1));
          this.destroy(new Error('client went away'));
        },
      });
      await expect(driver.append('uploads/u3', failing)).rejects.toThrow('client went away');
    });
  });
}
