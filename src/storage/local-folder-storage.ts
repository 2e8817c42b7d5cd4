import { randomUUID } from 'node:crypto';
import {
  copyFile,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

import { BlobNotFoundError, RangeNotSatisfiableError } from './blob-errors.js';
import { isValidBlobKey, parseBlobKey } from './blob-key.js';
import type { BlobInfo, BlobStorage, ByteRange, OpenedBlob } from './blob-storage.js';
import { contentTypeForKey } from './content-type.js';

/** Options of {@link openLocalFolderStorage}. */
export interface LocalFolderStorageOptions {
  /** The folder blobs live under; created when missing. Relative paths resolve against the working directory. */
  root: string;
}

/**
 * A {@link BlobStorage} on a local folder, the embedded mode's default (`<dataDir>/files`). Each write goes to a
 * hidden temp file beside its target and is renamed over it, so readers and a crash mid-write never see a partial
 * blob.
 */
export async function openLocalFolderStorage(options: LocalFolderStorageOptions): Promise<BlobStorage> {
  const root = resolve(options.root);
  await mkdir(root, { recursive: true });
  let closed = false;

  function pathOf(key: string): string {
    if (closed) throw new Error('The blob storage is closed');
    const path = join(root, ...parseBlobKey(key));
    // parseBlobKey already rules out escapes; this second check costs nothing and survives a future regex edit.
    if (!path.startsWith(root + sep))
      throw new Error(`Blob key ${JSON.stringify(key)} resolves outside the root`);
    return path;
  }

  return {
    async put(key, data) {
      const target = pathOf(key);
      return writeAtomically(target, async (handle) => {
        if (data instanceof Uint8Array) {
          await handle.writeFile(data);
          return data.byteLength;
        }
        // Awaiting each write is the backpressure; a write stream with autoClose off never settles pipeline().
        let bytes = 0;
        for await (const chunk of data as AsyncIterable<Uint8Array | string>) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          await handle.writeFile(buffer); // unlike write(), loops until the whole chunk is written
          bytes += buffer.byteLength;
        }
        return bytes;
      });
    },

    async putFile(key, path) {
      const target = pathOf(key);
      const { size } = await stat(path);
      await mkdir(dirname(target), { recursive: true });
      try {
        // rename(2) replaces the target atomically when both sit on one file system, the usual case.
        await rename(path, target);
      } catch (error) {
        if (errorCode(error) !== 'EXDEV') throw error;
        const temp = tempPathFor(target);
        try {
          await copyFile(path, temp);
          await rename(temp, target);
        } catch (copyError) {
          await rm(temp, { force: true });
          throw copyError;
        }
        await unlink(path);
      }
      return { bytes: size };
    },

    async open(key, range) {
      const path = pathOf(key);
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EISDIR') {
          throw new BlobNotFoundError(key, { cause: error });
        }
        throw error;
      }
      // Size and bytes come from one open file, so an atomic replace in between cannot mix two versions.
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw new BlobNotFoundError(key);
        const resolved = range === undefined ? undefined : resolveRange(key, range, info.size);
        const stream = handle.createReadStream(
          resolved === undefined ? {} : { start: resolved.start, end: resolved.end },
        );
        const opened: OpenedBlob = {
          stream,
          size: info.size,
          contentType: contentTypeForKey(key),
          range: resolved,
        };
        return opened;
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    async stat(key): Promise<BlobInfo | undefined> {
      try {
        const info = await stat(pathOf(key));
        if (!info.isFile()) return undefined;
        return { size: info.size, contentType: contentTypeForKey(key), modifiedAt: info.mtime };
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      }
    },

    async delete(key) {
      await removeBlob(root, pathOf(key));
    },

    async deleteMany(keys) {
      // Checked first, so one bad key deletes nothing rather than half the list.
      const paths = [...keys].map(pathOf);
      let deleted = 0;
      for (const path of paths) if (await removeBlob(root, path)) deleted += 1;
      return { deleted };
    },

    // A generator, so a closed storage refuses when the listing is read, as S3's paginated listing does.
    async *list(prefix = '') {
      if (closed) throw new Error('The blob storage is closed');
      yield* listUnder(root, prefix);
    },

    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

/**
 * The blobs under `root` whose key starts with `prefix`, in key order. The walk starts at the folder the prefix
 * names (its part up to the last `/`), so a listing of one task's blobs reads one folder; a prefix that no
 * valid key can start with lists nothing and reads nothing. Hidden files (atomic writes in progress) are not
 * blobs.
 */
async function* listUnder(root: string, prefix: string): AsyncGenerator<{ key: string; modifiedAt: Date }> {
  const folderPart = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  if (folderPart !== '' && !isValidBlobKey(folderPart.slice(0, -1))) return;
  yield* walk(join(root, ...folderPart.split('/').filter(Boolean)), folderPart, prefix);
}

async function* walk(
  folder: string,
  keyPrefix: string,
  wanted: string,
): AsyncGenerator<{ key: string; modifiedAt: Date }> {
  let entries: { name: string; folder: boolean }[];
  try {
    entries = (await readdir(folder, { withFileTypes: true })).map((entry) => ({
      name: entry.name,
      folder: entry.isDirectory(),
    }));
  } catch (error) {
    // A folder pruned by a delete while the walk runs, or a prefix naming no folder: nothing there.
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return;
    throw error;
  }
  // A folder sorts as its name and a slash, so the keys come out in plain lexicographic order ("a-b" < "a/c").
  const sortName = (entry: { name: string; folder: boolean }) => entry.name + (entry.folder ? '/' : '');
  entries.sort((a, b) => (sortName(a) < sortName(b) ? -1 : sortName(a) > sortName(b) ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const key = keyPrefix + entry.name;
    const path = join(folder, entry.name);
    if (entry.folder) {
      // Only descend where keys that start with the prefix can be.
      if (key.startsWith(wanted) || wanted.startsWith(key + '/')) yield* walk(path, key + '/', wanted);
      continue;
    }
    if (!key.startsWith(wanted) || !isValidBlobKey(key)) continue;
    try {
      const info = await stat(path);
      if (info.isFile()) yield { key, modifiedAt: info.mtime };
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error; // deleted while listing: not there any more
    }
  }
}

function resolveRange(key: string, range: ByteRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new RangeError(`Expected a byte range with 0 <= start <= end but received ${start}-${end ?? ''}`);
  }
  if (start >= size) throw new RangeNotSatisfiableError(key, range, size);
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

/** Writes through a fresh temp file beside `target`, then renames it over `target`; the temp file never lingers. */
async function writeAtomically(
  target: string,
  write: (handle: FileHandle) => Promise<number>,
): Promise<{ bytes: number }> {
  const temp = tempPathFor(target);
  const handle = await openExclusive(temp);
  try {
    const bytes = await write(handle);
    // Flushed before the rename, so a crash cannot leave the new name on an empty file.
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    return { bytes };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

async function openExclusive(path: string): Promise<FileHandle> {
  try {
    await mkdir(dirname(path), { recursive: true });
    return await open(path, 'wx');
  } catch (error) {
    // A concurrent delete may prune the empty folder between mkdir and open; one retry closes that window.
    if (errorCode(error) !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'wx');
  }
}

function tempPathFor(target: string): string {
  return join(dirname(target), `.${randomUUID()}.tmp`);
}

/** Unlinks the blob and prunes folders it leaves empty (retention would otherwise leave one per task). */
async function removeBlob(root: string, path: string): Promise<boolean> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  for (
    let folder = dirname(path);
    folder !== root && folder.startsWith(root + sep);
    folder = dirname(folder)
  ) {
    try {
      await rmdir(folder);
    } catch {
      break; // not empty (or already gone): the folders above are not empty either
    }
  }
  return true;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
