import { createHmac, timingSafeEqual } from 'node:crypto';

import { isValidBlobKey } from './blob-key.js';

/** Options of {@link signFileUrl}. */
export interface SignFileUrlOptions {
  /** The service's public URL (`config.publicUrl`), without `/files`; a trailing slash is ignored. */
  baseUrl: string;
  /** The blob key, e.g. `tasks/task_abc/video.mp4`. */
  key: string;
  /** When the URL stops working; usually now plus `config.fileUrlTtl`. Cut to whole seconds. */
  expiresAt: Date;
  /** The signing secret shared by every API process. */
  secret: string | Uint8Array;
}

/** Options of {@link verifyFileUrl}: the parts of a request to `/files/<key>?expires=..&signature=..`. */
export interface VerifyFileUrlOptions {
  key: string;
  /** The `expires` query value as received (unix seconds). */
  expires: string | undefined;
  /** The `signature` query value as received. */
  signature: string | undefined;
  secret: string | Uint8Array;
  now: Date;
}

/** What {@link verifyFileUrl} found: answer 200/206 only for `ok`. */
export type FileUrlVerdict = 'ok' | 'expired' | 'bad_signature';

/**
 * A download URL for `key` that works until `expiresAt`:
 * `${baseUrl}/files/${key}?expires=<unix s>&signature=<base64url HMAC-SHA256 of "key\nexpires">`.
 */
export function signFileUrl(options: SignFileUrlOptions): string {
  const { key, secret } = options;
  if (!isValidBlobKey(key)) throw new Error(`Expected a valid blob key but received ${JSON.stringify(key)}`);
  const expires = Math.floor(options.expiresAt.getTime() / 1000);
  if (!Number.isSafeInteger(expires)) throw new Error('Expected a valid date for expiresAt');
  const base = options.baseUrl.replace(/\/+$/, '');
  // Keys are limited to URL-safe characters by parseBlobKey, so the path needs no escaping.
  return `${base}/files/${key}?expires=${expires}&signature=${sign(key, expires, secret)}`;
}

/**
 * Checks a request's signature, then its expiry. The signature comes first so a forged `expires` reads as
 * `bad_signature`, never as `expired`; the comparison takes the same time wherever the bytes differ.
 */
export function verifyFileUrl(options: VerifyFileUrlOptions): FileUrlVerdict {
  const { key, expires, signature, secret, now } = options;
  if (expires === undefined || signature === undefined || !/^\d{1,15}$/.test(expires)) return 'bad_signature';
  if (!isValidBlobKey(key)) return 'bad_signature';
  const wanted = Buffer.from(sign(key, Number(expires), secret));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; the length of a valid signature is public, so checking it leaks nothing.
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'bad_signature';
  return now.getTime() >= Number(expires) * 1000 ? 'expired' : 'ok';
}

function sign(key: string, expires: number, secret: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${key}\n${expires}`).digest('base64url');
}
