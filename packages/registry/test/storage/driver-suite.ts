import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { type StorageDriver, StorageNotFoundError, type UploadState } from '../../src/storage/driver.js';

const MiB = 1024 * 1024;

/**
 * The contract every storage driver must keep (docs/design.md §3); each driver's test file
 * calls this. Upload states pass through JSON between calls, as they do through the
 * database. Sizes cross 5 MiB part boundaries (the S3 driver is tested with 5 MiB parts).
 */
export function storageDriverSuite(name: string, createDriver: () => Promise<StorageDriver>): void {
  /** Starts an upload and appends `chunks` one call each; the bytes and the state. */
  async function upload(driver: StorageDriver, path: string, chunks: Buffer[]) {
    let state = persisted(await driver.startUpload(path));
    for (const chunk of chunks) {
      state = persisted(await driver.appendUpload(path, state, Readable.from([chunk])));
    }
    return { state, bytes: Buffer.concat(chunks) };
  }

  /** A finished upload moved to `key`, as the core commits a blob. */
  async function storeObject(driver: StorageDriver, key: string, bytes: Buffer): Promise<void> {
    const { state } = await upload(driver, `uploads/${key.replaceAll('/', '-')}`, [bytes]);
    await driver.move(await driver.finishUpload(`uploads/${key.replaceAll('/', '-')}`, state), key);
  }

  describe(`storage driver: ${name}`, () => {
    it('reports nothing for a missing path and refuses to read it', async () => {
      const driver = await createDriver();
      expect(await driver.stat('blobs/none')).toBeUndefined();
      await expect(driver.read('blobs/none')).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it('keeps chunks of any size in order, across part boundaries, and reads the finished upload back', async () => {
      const driver = await createDriver();
      // Small chunks that together pass a part, a chunk larger than a part, an odd tail.
      const chunks = [
        randomBytes(1000),
        randomBytes(3 * MiB),
        randomBytes(2 * MiB + 17),
        randomBytes(6 * MiB + 5),
        randomBytes(100_000),
      ];
      const { state, bytes } = await upload(driver, 'uploads/u1', chunks);
      expect(state.size).toBe(bytes.length);
      const stored = await driver.readUpload('uploads/u1', state);
      if (stored) expect((await buffer(stored)).equals(bytes)).toBe(true);
      const finished = await driver.finishUpload('uploads/u1', state);
      expect(await driver.stat(finished)).toEqual({ size: bytes.length });
      expect((await buffer(await driver.read(finished))).equals(bytes)).toBe(true);
      const part = await buffer(await driver.read(finished, { start: 5 * MiB - 10, end: 5 * MiB + 9 }));
      expect(part.equals(bytes.subarray(5 * MiB - 10, 5 * MiB + 10))).toBe(true);
    });

    it('finishes an upload that received nothing as an empty object', async () => {
      const driver = await createDriver();
      const { state } = await upload(driver, 'uploads/empty', []);
      const finished = await driver.finishUpload('uploads/empty', state);
      expect(await driver.stat(finished)).toEqual({ size: 0 });
    });

    it('keeps what a state describes when a later append fails, so a retry continues from it', async () => {
      const driver = await createDriver();
      const first = randomBytes(3 * MiB);
      const { state } = await upload(driver, 'uploads/u2', [first]);
      // Fails after more than a part has arrived, so a part may already be in storage.
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent >= 7 * MiB) return this.destroy(new Error('client went away'));
          sent += MiB;
          this.push(randomBytes(MiB));
        },
      });
      await expect(driver.appendUpload('uploads/u2', state, failing)).rejects.toThrow('client went away');
      const second = randomBytes(4 * MiB + 3);
      const retried = persisted(await driver.appendUpload('uploads/u2', state, Readable.from([second])));
      expect(retried.size).toBe(first.length + second.length);
      const finished = await driver.finishUpload('uploads/u2', retried);
      expect((await buffer(await driver.read(finished))).equals(Buffer.concat([first, second]))).toBe(true);
    });

    it('keeps nothing of a chunk after asking for the next one (the core reuses that memory)', async () => {
      const driver = await createDriver();
      const reused = Buffer.alloc(MiB);
      const sent: Buffer[] = [];
      // Seven 1 MiB chunks in one buffer: past a part boundary, with a tail left to stage.
      async function* chunks() {
        for (let i = 0; i < 7; i++) {
          randomBytes(MiB).copy(reused);
          sent.push(Buffer.from(reused));
          yield reused;
        }
      }
      let state = persisted(await driver.startUpload('uploads/reused'));
      state = persisted(await driver.appendUpload('uploads/reused', state, chunks()));
      expect(state.size).toBe(7 * MiB);
      const finished = await driver.finishUpload('uploads/reused', state);
      expect((await buffer(await driver.read(finished))).equals(Buffer.concat(sent))).toBe(true);
    });

    it('finishes the same state again to the same object (a retry after a crash)', async () => {
      const driver = await createDriver();
      const { state, bytes } = await upload(driver, 'uploads/u3', [randomBytes(6 * MiB), randomBytes(10)]);
      const once = await driver.finishUpload('uploads/u3', state);
      const twice = await driver.finishUpload('uploads/u3', state);
      expect(twice).toBe(once);
      expect((await buffer(await driver.read(twice))).equals(bytes)).toBe(true);
    });

    it('copies whole objects and ranges into a writable, reusing nothing before it is written', async () => {
      const driver = await createDriver();
      // Larger than one copy buffer, so buffers are reused while earlier chunks are still queued.
      const data = randomBytes(2 * MiB + 12_345);
      await storeObject(driver, 'blobs/sha256/cd/copy', data);
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
        expect(sink.writableEnded).toBe(false);
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

    it('moves atomically, replacing the target, and deletes idempotently', async () => {
      const driver = await createDriver();
      await storeObject(driver, 'blobs/sha256/ab/target', Buffer.from('old content'));
      const { state } = await upload(driver, 'uploads/a', [Buffer.from('new')]);
      const finished = await driver.finishUpload('uploads/a', state);
      await driver.move(finished, 'blobs/sha256/ab/target');
      expect(await driver.stat(finished)).toBeUndefined();
      expect((await buffer(await driver.read('blobs/sha256/ab/target'))).toString()).toBe('new');
      await driver.delete('blobs/sha256/ab/target');
      await driver.delete('blobs/sha256/ab/target');
      expect(await driver.stat('blobs/sha256/ab/target')).toBeUndefined();
    });

    it('deletes everything an upload stored, finished or not', async () => {
      const driver = await createDriver();
      // Lost bytes are StorageNotFoundError, which the core answers as BLOB_UPLOAD_INVALID.
      for (const chunks of [[randomBytes(6 * MiB), randomBytes(10)], [randomBytes(10)]]) {
        const unfinished = await upload(driver, 'uploads/gone', chunks);
        await driver.delete('uploads/gone');
        await expect(driver.finishUpload('uploads/gone', unfinished.state)).rejects.toBeInstanceOf(
          StorageNotFoundError,
        );
      }
      const { state } = await upload(driver, 'uploads/done', [randomBytes(6 * MiB), randomBytes(10)]);
      const finished = await driver.finishUpload('uploads/done', state);
      await driver.delete('uploads/done');
      expect(await driver.stat(finished)).toBeUndefined();
    });

    it('refuses keys that would leave the store', async () => {
      const driver = await createDriver();
      for (const key of ['../escape', 'blobs/../../escape', '/etc/passwd', 'blobs//x', 'Blobs/X', '']) {
        await expect(driver.stat(key), key).rejects.toThrow(/refusing storage key/);
        await expect(driver.startUpload(key), key).rejects.toThrow(/refusing storage key/);
      }
    });

    it('keeps a failed append from surfacing as success', async () => {
      const driver = await createDriver();
      const state = await driver.startUpload('uploads/u4');
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000, 1));
          this.destroy(new Error('client went away'));
        },
      });
      await expect(driver.appendUpload('uploads/u4', state, failing)).rejects.toThrow('client went away');
    });
  });
}

/** The state as it comes back from the database. */
function persisted(state: UploadState): UploadState {
  return JSON.parse(JSON.stringify(state)) as UploadState;
}
