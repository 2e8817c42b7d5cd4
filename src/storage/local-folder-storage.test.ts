import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { BlobNotFoundError, InvalidBlobKeyError, RangeNotSatisfiableError } from './blob-errors.js';
import type { BlobStorage } from './blob-storage.js';
import { openLocalFolderStorage } from './local-folder-storage.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

describe('openLocalFolderStorage', () => {
  let folder: string;
  let root: string;
  let storage: BlobStorage;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'inbetween-storage-'));
    root = join(folder, 'files');
    storage = await openLocalFolderStorage({ root });
  });
  afterEach(async () => {
    await storage.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('round-trips bytes and a stream, creating folders', async () => {
    expect(await storage.put('tasks/task_a/cover.jpg', Buffer.from(ALPHABET))).toEqual({ bytes: 26 });
    const opened = await storage.open('tasks/task_a/cover.jpg');
    expect(opened.size).toBe(26);
    expect(opened.contentType).toBe('image/jpeg');
    expect(opened.range).toBeUndefined();
    expect(await text(opened.stream)).toBe(ALPHABET);

    const stream = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
    expect(await storage.put('tasks/task_a/video.mp4', stream)).toEqual({ bytes: 11 });
    expect(await readFile(join(root, 'tasks/task_a/video.mp4'), 'utf8')).toBe('hello world');
    expect(await storage.stat('tasks/task_a/video.mp4')).toMatchObject({
      size: 11,
      contentType: 'video/mp4',
    });
    expect(await storage.stat('tasks/task_a/missing.mp4')).toBeUndefined();
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
    await expect(storage.open('a.png', { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
  });

  it('replaces atomically and leaves no temp files behind', async () => {
    await storage.put('tasks/t/video.mp4', Buffer.from('old contents'));
    // A reader that opened before the replace keeps reading the old version whole.
    const before = await storage.open('tasks/t/video.mp4');
    await storage.put('tasks/t/video.mp4', Buffer.from('new'));
    expect(await text(before.stream)).toBe('old contents');
    expect(await text((await storage.open('tasks/t/video.mp4')).stream)).toBe('new');
    expect(await readdir(join(root, 'tasks/t'))).toEqual(['video.mp4']);
  });

  it('removes the temp file when a streamed write fails', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('upstream broke'));
      },
    });
    await expect(storage.put('tasks/t/video.mp4', failing)).rejects.toThrow('upstream broke');
    expect(await readdir(join(root, 'tasks/t'))).toEqual([]);
    expect(await storage.stat('tasks/t/video.mp4')).toBeUndefined();
  });

  it('moves a finished file in with putFile', async () => {
    const source = join(folder, 'render.mp4');
    await writeFile(source, 'rendered');
    expect(await storage.putFile('tasks/t/video.mp4', source)).toEqual({ bytes: 8 });
    await expect(stat(source)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await text((await storage.open('tasks/t/video.mp4')).stream)).toBe('rendered');
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
  ])('rejects the key %j before touching the disk', async (key) => {
    await expect(storage.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(storage.open(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(storage.stat(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(storage.putFile(key, join(folder, 'nothing'))).rejects.toBeInstanceOf(InvalidBlobKeyError);
  });

  it('throws BlobNotFoundError for a missing key or a folder', async () => {
    await storage.put('tasks/t/video.mp4', Buffer.from('x'));
    await expect(storage.open('tasks/t/other.mp4')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(storage.open('tasks/t')).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND', key: 'tasks/t' });
  });

  it('deletes many keys, skipping missing ones, and prunes emptied folders', async () => {
    await storage.put('tasks/a/video.mp4', Buffer.from('1'));
    await storage.put('tasks/a/cover.jpg', Buffer.from('2'));
    await storage.put('tasks/b/video.mp4', Buffer.from('3'));
    expect(await storage.deleteMany(['tasks/a/video.mp4', 'tasks/a/cover.jpg', 'tasks/a/gone.png'])).toEqual({
      deleted: 2,
    });
    expect(await readdir(join(root, 'tasks'))).toEqual(['b']);
    await storage.delete('tasks/b/video.mp4');
    await storage.delete('tasks/b/video.mp4'); // idempotent
    expect(await readdir(root)).toEqual([]);
    await expect(storage.deleteMany(['tasks/x.mp4', '../y'])).rejects.toBeInstanceOf(InvalidBlobKeyError);
  });

  it('lists keys under a prefix in key order, with their times, skipping writes in progress', async () => {
    const keys = [
      'tasks/a-b/x.png',
      'tasks/a/video.mp4',
      'tasks/a/cover.jpg',
      'tasks/ab/input-0.png',
      'other.bin',
    ];
    for (const key of keys) await storage.put(key, Buffer.from(key));
    // A hidden temp file beside a blob, as an atomic write leaves it until its rename.
    await writeFile(join(root, 'tasks', 'a', '.0f3c.tmp'), 'partial');
    const list = async (prefix?: string) => {
      const found: string[] = [];
      for await (const blob of storage.list(prefix)) {
        expect(blob.modifiedAt).toBeInstanceOf(Date);
        expect(Math.abs(blob.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
        found.push(blob.key);
      }
      return found;
    };
    expect(await list()).toEqual([...keys].sort());
    expect(await list('tasks/')).toEqual([
      'tasks/a-b/x.png',
      'tasks/a/cover.jpg',
      'tasks/a/video.mp4',
      'tasks/ab/input-0.png',
    ]);
    // A plain string prefix, as S3 has it: it may end inside a segment.
    expect(await list('tasks/a')).toEqual([
      'tasks/a-b/x.png',
      'tasks/a/cover.jpg',
      'tasks/a/video.mp4',
      'tasks/ab/input-0.png',
    ]);
    expect(await list('tasks/a/')).toEqual(['tasks/a/cover.jpg', 'tasks/a/video.mp4']);
    expect(await list('tasks/a/v')).toEqual(['tasks/a/video.mp4']);
    expect(await list('tasks/none/')).toEqual([]);
    expect(await list('other.bin/')).toEqual([]);
    // A prefix no valid key can start with reads nothing outside the root.
    expect(await list('../')).toEqual([]);
    expect(await list('/etc/')).toEqual([]);
  });

  it('refuses calls after close', async () => {
    await storage.close();
    await expect(storage.stat('a.mp4')).rejects.toThrow('closed');
  });
});
