import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { InvalidBlobKeyError } from './blob-errors.js';
import type { BlobStorage } from './blob-storage.js';
import { openLocalFolderStorage } from './local-folder-storage.js';
import { describeBlobStorage } from './storage-contract-suite.js';

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describeBlobStorage('local folder', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'inbetween-storage-'));
  folders.push(folder);
  return openLocalFolderStorage({ root: join(folder, 'files') });
});

/** What only a folder shows: files on disk, temp files, pruned folders. */
describe('openLocalFolderStorage on disk', () => {
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

  it('writes the blob as a file under the root, creating folders', async () => {
    await storage.put('tasks/task_a/video.mp4', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(await readFile(join(root, 'tasks/task_a/video.mp4'), 'utf8')).toBe('hello world');
  });

  it('replaces atomically and leaves no temp files behind', async () => {
    await storage.put('tasks/t/video.mp4', Buffer.from('old contents'));
    // A reader that opened before the replace keeps reading the old version whole.
    const before = await storage.open('tasks/t/video.mp4');
    await storage.put('tasks/t/video.mp4', Buffer.from('new'));
    expect(await text(before.stream)).toBe('old contents');
    expect(await readdir(join(root, 'tasks/t'))).toEqual(['video.mp4']);
  });

  it('removes the temp file when a streamed write fails, and lists no temp files', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('upstream broke'));
      },
    });
    await expect(storage.put('tasks/t/video.mp4', failing)).rejects.toThrow('upstream broke');
    expect(await readdir(join(root, 'tasks/t'))).toEqual([]);
  });

  it('prunes folders that deletes leave empty', async () => {
    await storage.put('tasks/a/video.mp4', Buffer.from('1'));
    await storage.put('tasks/b/video.mp4', Buffer.from('3'));
    await storage.deleteMany(['tasks/a/video.mp4']);
    expect(await readdir(join(root, 'tasks'))).toEqual(['b']);
    await storage.delete('tasks/b/video.mp4');
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
