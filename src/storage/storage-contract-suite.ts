import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { BlobNotFoundError, InvalidBlobKeyError, RangeNotSatisfiableError } from './blob-errors.js';
import type { BlobStorage } from './blob-storage.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** Opens a fresh, empty storage for one test. */
export type OpenTestStorage = () => Promise<BlobStorage>;

/**
 * What every {@link BlobStorage} adapter must do, run against the local folder and against S3 (s3rver): the
 * same keys, ranges, errors and listings, so the service cannot tell which one it has.
 */
export function describeBlobStorage(name: string, open: OpenTestStorage): void {
  describe(`BlobStorage contract: ${name}`, () => {
    let storage: BlobStorage;
    let scratch: string;

    beforeEach(async () => {
      storage = await open();
      scratch = await mkdtemp(join(tmpdir(), 'inbetween-contract-'));
    });
    afterEach(async () => {
      await storage.close();
      await rm(scratch, { recursive: true, force: true });
    });

    it('round-trips bytes and a stream', async () => {
      expect(await storage.put('tasks/task_a/cover.jpg', Buffer.from(ALPHABET))).toEqual({ bytes: 26 });
      const opened = await storage.open('tasks/task_a/cover.jpg');
      expect(opened.size).toBe(26);
      expect(opened.contentType).toBe('image/jpeg');
      expect(opened.range).toBeUndefined();
      expect(await text(opened.stream)).toBe(ALPHABET);

      const stream = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
      expect(await storage.put('tasks/task_a/video.mp4', stream)).toEqual({ bytes: 11 });
      expect(await text((await storage.open('tasks/task_a/video.mp4')).stream)).toBe('hello world');
      expect(await storage.stat('tasks/task_a/video.mp4')).toMatchObject({
        size: 11,
        contentType: 'video/mp4',
      });
      expect(await storage.stat('tasks/task_a/missing.mp4')).toBeUndefined();
    });

    it('stores a stream larger than one multipart part whole', async () => {
      // 12 MiB in uneven chunks: more than one 8 MiB part, and chunk edges that are not part edges.
      const chunks = Array.from({ length: 12 }, (_, i) => Buffer.alloc(1024 * 1024 + (i % 3) * 7, i));
      const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      expect(await storage.put('tasks/big/video.mp4', Readable.from(chunks))).toEqual({ bytes: total });
      const tail = await storage.open('tasks/big/video.mp4', { start: total - 5 });
      expect(tail.size).toBe(total);
      expect([...(await bytesOf(tail.stream))]).toEqual([11, 11, 11, 11, 11]);
    });

    it('reads byte ranges: the first 10 bytes, the middle, open-ended, clamped', async () => {
      await storage.put('a.png', Buffer.from(ALPHABET));
      const read = async (start: number, end?: number) => {
        const opened = await storage.open('a.png', end === undefined ? { start } : { start, end });
        return { body: await text(opened.stream), range: opened.range, size: opened.size };
      };
      expect(await read(0, 9)).toEqual({ body: 'abcdefghij', range: { start: 0, end: 9 }, size: 26 });
      expect(await read(10, 12)).toEqual({ body: 'klm', range: { start: 10, end: 12 }, size: 26 });
      expect(await read(20)).toEqual({ body: 'uvwxyz', range: { start: 20, end: 25 }, size: 26 });
      expect(await read(24, 1000)).toEqual({ body: 'yz', range: { start: 24, end: 25 }, size: 26 });
      await expect(storage.open('a.png', { start: 26 })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
      await expect(storage.open('a.png', { start: 26 })).rejects.toMatchObject({ size: 26 });
      await expect(storage.open('a.png', { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
    });

    it('replaces a blob whole', async () => {
      await storage.put('tasks/t/video.mp4', Buffer.from('old contents'));
      await storage.put('tasks/t/video.mp4', Buffer.from('new'));
      expect(await text((await storage.open('tasks/t/video.mp4')).stream)).toBe('new');
      expect(await storage.stat('tasks/t/video.mp4')).toMatchObject({ size: 3 });
    });

    it('stores nothing when a streamed write fails', async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('upstream broke'));
        },
      });
      await expect(storage.put('tasks/t/video.mp4', failing)).rejects.toThrow('upstream broke');
      expect(await storage.stat('tasks/t/video.mp4')).toBeUndefined();
      expect(await keysOf(storage.list())).toEqual([]);
    });

    it('moves a finished file in with putFile', async () => {
      const source = join(scratch, 'render.mp4');
      await writeFile(source, 'rendered');
      expect(await storage.putFile('tasks/t/video.mp4', source)).toEqual({ bytes: 8 });
      await expect(stat(source)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await text((await storage.open('tasks/t/video.mp4')).stream)).toBe('rendered');
      await expect(storage.putFile('tasks/t/other.mp4', join(scratch, 'nothing'))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    });

    it.each([
      '../x',
      '/etc/passwd',
      'a//b',
      'a\\b',
      '',
      'a/../../b',
      './a',
      'a/',
      '.hidden',
      'a/b\0c',
      'é.png',
    ])('rejects the key %j before any I/O', async (key) => {
      await expect(storage.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.open(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.stat(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.putFile(key, join(scratch, 'nothing'))).rejects.toBeInstanceOf(
        InvalidBlobKeyError,
      );
    });

    it('throws BlobNotFoundError for a missing key', async () => {
      await storage.put('tasks/t/video.mp4', Buffer.from('x'));
      await expect(storage.open('tasks/t/other.mp4')).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(storage.open('tasks/t/other.mp4', { start: 0 })).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(storage.open('tasks/t')).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND', key: 'tasks/t' });
    });

    it('deletes many keys, skipping missing ones; one bad key deletes nothing', async () => {
      await storage.put('tasks/a/video.mp4', Buffer.from('1'));
      await storage.put('tasks/a/cover.jpg', Buffer.from('2'));
      await storage.put('tasks/b/video.mp4', Buffer.from('3'));
      expect(
        await storage.deleteMany(['tasks/a/video.mp4', 'tasks/a/cover.jpg', 'tasks/a/gone.png']),
      ).toEqual({ deleted: 2 });
      expect(await keysOf(storage.list())).toEqual(['tasks/b/video.mp4']);
      await expect(storage.deleteMany(['tasks/b/video.mp4', '../y'])).rejects.toBeInstanceOf(
        InvalidBlobKeyError,
      );
      expect(await keysOf(storage.list())).toEqual(['tasks/b/video.mp4']);
      await storage.delete('tasks/b/video.mp4');
      await storage.delete('tasks/b/video.mp4'); // idempotent
      expect(await storage.deleteMany([])).toEqual({ deleted: 0 });
      expect(await keysOf(storage.list())).toEqual([]);
    });

    it('lists keys with their write time, all or under a prefix', async () => {
      const before = Date.now();
      for (const key of ['tasks/a/video.mp4', 'tasks/a/cover.jpg', 'tasks/b/input-0.png', 'other.png']) {
        await storage.put(key, Buffer.from(key));
      }
      expect(await keysOf(storage.list())).toEqual([
        'other.png',
        'tasks/a/cover.jpg',
        'tasks/a/video.mp4',
        'tasks/b/input-0.png',
      ]);
      expect(await keysOf(storage.list('tasks/a/'))).toEqual(['tasks/a/cover.jpg', 'tasks/a/video.mp4']);
      expect(await keysOf(storage.list('tasks/c/'))).toEqual([]);
      for await (const entry of storage.list('other')) {
        expect(entry.modifiedAt).toBeInstanceOf(Date);
        // S3 keeps whole seconds; a second of slack either way covers that and clock rounding.
        expect(entry.modifiedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(entry.modifiedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      }
    });

    it('refuses calls after close', async () => {
      await storage.close();
      await expect(storage.stat('a.mp4')).rejects.toThrow('closed');
      await expect(keysOf(storage.list())).rejects.toThrow('closed');
    });
  });
}

async function keysOf(entries: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of entries) keys.push(entry.key);
  return keys.sort();
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
