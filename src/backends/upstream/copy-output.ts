import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AllowList } from '../../media/index.js';
import { GuardedGetError, guardedGet } from '../../media/guarded-get.js';
import { UnsafeTargetError } from '../../media/safe-connect.js';
import type { BlobStorage } from '../../storage/index.js';

/** What a copied file must be. */
export type OutputKind = 'video' | 'cover';

/** A copy that failed; `permanent` when fetching the same URL again cannot help (the bytes are wrong). */
export class OutputCopyError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutputCopyError';
  }
}

/** Options of {@link copyOutput}. */
export interface CopyOutputOptions {
  readonly storage: BlobStorage;
  readonly url: string;
  readonly key: string;
  readonly kind: OutputKind;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /**
   * Private addresses the download may reach all the same (INBETWEEN_ALLOW_PRIVATE_HOSTS): a provider's output
   * URL is a URL inbetween did not choose, fetched under the rules of image URLs and callbacks.
   */
  readonly allowList: AllowList;
  readonly signal: AbortSignal;
}

/** Redirects an output URL may take (signed storage URLs redirect once or twice at most). */
const MAX_REDIRECTS = 5;

/**
 * Copies a provider's output into inbetween's storage before its URL expires: fetched without reaching private
 * addresses (each hop vetted, as for image URLs), streamed into a scratch file with a size cap, its first bytes
 * checked to be an MP4 (`ftyp` box) or, for a cover, a JPEG or PNG, then moved under `key`. An HTTP error, a
 * timeout, a DNS failure or a cut connection is worth another try; a refused address, a file of the wrong kind
 * or size is not, for that URL.
 */
export async function copyOutput(options: CopyOutputOptions): Promise<{ bytes: number; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-copy-'));
  try {
    const path = join(dir, options.kind === 'video' ? 'video.mp4' : 'cover');
    await download(options, path);
    // A PNG cover keeps its own extension, so it is served with its own content type.
    const key =
      options.kind === 'cover' && (await isPng(path)) ? options.key.replace(/\.jpg$/, '.png') : options.key;
    const { bytes } = await options.storage.putFile(key, path);
    return { bytes, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function download(options: CopyOutputOptions, path: string): Promise<void> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const name = options.kind === 'video' ? 'the video' : 'the cover';
  let response: IncomingMessage;
  try {
    response = await guardedGet(options.url, {
      allowList: options.allowList,
      signal,
      maxRedirects: MAX_REDIRECTS,
    });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if ((error instanceof UnsafeTargetError && error.blocked) || error instanceof GuardedGetError) {
      throw new OutputCopyError(`fetching ${name} was refused: ${error.message}`, true, { cause: error });
    }
    throw new OutputCopyError(`fetching ${name} failed: ${(error as Error).message}`, false, {
      cause: error,
    });
  }
  try {
    await saveBody(response, options, path, name, signal);
  } finally {
    response.destroy();
  }
}

async function saveBody(
  response: IncomingMessage,
  options: CopyOutputOptions,
  path: string,
  name: string,
  signal: AbortSignal,
): Promise<void> {
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    throw new OutputCopyError(`fetching ${name} answered HTTP ${status}`, false);
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    throw new OutputCopyError(`${name} is ${declared} bytes, over the ${options.maxBytes}-byte limit`, true);
  }
  try {
    await pipeline(response, checked(options.kind, options.maxBytes, name), createWriteStream(path), {
      signal,
    });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (error instanceof OutputCopyError) throw error;
    throw new OutputCopyError(`fetching ${name} failed: ${(error as Error).message}`, false, {
      cause: error,
    });
  }
}

/** Passes bytes through while counting them against the cap and judging the first ones. */
function checked(kind: OutputKind, maxBytes: number, name: string): Transform {
  let seen = 0;
  let head = Buffer.alloc(0);
  let judged = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes)
        return done(new OutputCopyError(`${name} is over the ${maxBytes}-byte limit`, true));
      if (!judged) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 12) {
          judged = true;
          const problem = judge(kind, head);
          if (problem) return done(new OutputCopyError(`${name} ${problem}`, true));
        }
      }
      done(null, chunk);
    },
    flush(done) {
      if (!judged) return done(new OutputCopyError(`${name} is only ${seen} bytes`, true));
      done();
    },
  });
}

/** Null when the bytes look like the kind; else what they are not. */
export function judge(kind: OutputKind, head: Buffer): string | null {
  if (kind === 'video') {
    return head.subarray(4, 8).toString('latin1') === 'ftyp' ? null : 'is not an MP4 file';
  }
  const jpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  const png = head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return jpeg || png ? null : 'is not a JPEG or PNG image';
}

async function isPng(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await file.read(head, 0, 4, 0);
    return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  } finally {
    await file.close();
  }
}
