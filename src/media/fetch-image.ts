import type { IncomingMessage } from 'node:http';

import { apiError, type ApiError } from '../contract/index.js';
import { parseAllowList, type AllowList } from './address-policy.js';
import { GuardedGetError, guardedGet } from './guarded-get.js';
import { UnsafeTargetError, type HostResolver } from './safe-connect.js';

/** Default download ceiling: the API's 50 MB image limit. */
export const DEFAULT_MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Default number of redirects followed before giving up. */
export const DEFAULT_MAX_REDIRECTS = 5;
/** Default time for the whole download, DNS and redirects included. */
export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;

/** Options for {@link fetchImageBytes}. */
export interface FetchOptions {
  /** The request parameter the URL came from (`images[0]`); errors carry it. */
  param?: string;
  /** Largest body accepted, in bytes; the download stops as soon as it is exceeded. Default 50 MiB. */
  maxBytes?: number;
  /** Redirects followed at most; every hop is vetted again. Default 5. */
  maxRedirects?: number;
  /** Time for the whole download in milliseconds, DNS and redirects included. Default 15 000. */
  timeoutMs?: number;
  /** Cancels the download; the promise then rejects with the signal's reason (not an ApiError). */
  signal?: AbortSignal;
  /**
   * Host names, addresses or CIDRs (`images.internal`, `127.0.0.1`, `10.0.0.0/8`) exempt from the refusal of
   * private, loopback and link-local addresses: for tests and for deployments that fetch from an internal store.
   */
  allowPrivateHosts?: readonly string[];
  /** Resolves host names; default the system resolver. Whatever it answers is vetted and then pinned. */
  resolveHost?: HostResolver;
}

interface ResolvedFetchOptions {
  param: string | undefined;
  maxBytes: number;
  maxRedirects: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  allowList: AllowList;
  resolveHost: HostResolver | undefined;
}

function resolveOptions(options: FetchOptions): ResolvedFetchOptions {
  return {
    param: options.param,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES,
    maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    timeoutMs: options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    signal: options.signal,
    allowList: parseAllowList(options.allowPrivateHosts),
    resolveHost: options.resolveHost,
  };
}

/** How one request failed, before it is turned into an ApiError with the caller's param. */
class FetchFailure extends Error {
  constructor(
    readonly code: '002014004' | '002014005',
    readonly detail: string,
    cause?: unknown,
  ) {
    super(detail, cause === undefined ? undefined : { cause });
  }
}

/**
 * Downloads an image over http(s) for the API, treating the URL as hostile:
 *
 * - only `http:` and `https:`; the host is resolved once (every address) and the request refused when any
 *   address is private, loopback, link-local, unique-local, CGNAT, multicast, unspecified or an IPv4-mapped
 *   form of those, unless `allowPrivateHosts` lists it. The socket then connects to exactly the vetted
 *   addresses (a pinned `lookup`), so a DNS answer that changes between check and connect cannot slip through;
 * - redirects are followed up to `maxRedirects`, each hop vetted the same way;
 * - `timeoutMs` bounds the whole download; the body is streamed and the download stops as soon as it passes
 *   `maxBytes` (or at once when Content-Length says it will), so nothing past the limit is held in memory.
 *
 * @throws ApiError 002014004 when the body exceeds `maxBytes`; 002014005 naming the reason (bad scheme, DNS
 *   failure, blocked address, HTTP status, too many redirects, timeout, connection error). Both carry `param`.
 *   When `signal` aborts, the promise rejects with its reason instead.
 */
export async function fetchImageBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  const resolved = resolveOptions(options);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), resolved.timeoutMs);
  const signal = resolved.signal ? AbortSignal.any([resolved.signal, timeout.signal]) : timeout.signal;
  try {
    return await followRedirects(url, resolved, signal);
  } catch (error) {
    if (resolved.signal?.aborted) throw resolved.signal.reason;
    if (timeout.signal.aborted) {
      throw apiError('002014005', {
        param: resolved.param,
        values: { reason: `timed out after ${resolved.timeoutMs} ms` },
        cause: error,
      });
    }
    throw toApiError(error, resolved.param);
  } finally {
    clearTimeout(timer);
  }
}

function toApiError(error: unknown, param: string | undefined): ApiError {
  if (error instanceof UnsafeTargetError) {
    return apiError('002014005', { param, values: { reason: error.message }, cause: error });
  }
  if (error instanceof FetchFailure) {
    return error.code === '002014004'
      ? apiError('002014004', { param, values: { received: error.detail }, cause: error })
      : apiError('002014005', { param, values: { reason: error.detail }, cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ? `the connection failed (${code})` : 'the connection failed';
  return apiError('002014005', { param, values: { reason }, cause: error });
}

async function followRedirects(
  start: string,
  options: ResolvedFetchOptions,
  signal: AbortSignal,
): Promise<Uint8Array> {
  let response: IncomingMessage;
  try {
    response = await guardedGet(start, {
      allowList: options.allowList,
      signal,
      maxRedirects: options.maxRedirects,
      headers: { accept: 'image/png, image/jpeg, image/webp;q=0.9, */*;q=0.1' },
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    });
  } catch (error) {
    if (error instanceof GuardedGetError) throw new FetchFailure('002014005', error.message, error);
    throw error;
  }
  try {
    judgeResponse(response, options.maxBytes);
    return await readBody(response, options.maxBytes);
  } finally {
    response.destroy();
  }
}

/** Throws for an answer that is not a 2xx or declares a body over the limit. */
function judgeResponse(response: IncomingMessage, maxBytes: number): void {
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    const text = response.statusMessage ? ` ${response.statusMessage}` : '';
    throw new FetchFailure('002014005', `the server answered HTTP ${status}${text}`);
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new FetchFailure('002014004', `${describeBytes(declared)} (its Content-Length)`);
  }
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new FetchFailure('002014004', `more than ${describeBytes(maxBytes)} (the download was stopped)`);
    }
    chunks.push(chunk);
  }
  if (!response.complete) throw new FetchFailure('002014005', 'the server closed the connection mid-body');
  const body = Buffer.concat(chunks, total);
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}

/** `52428800` reads `50 MiB (52428800 bytes)`: the round figure for people, the exact one for checking. */
export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const rounded = Number.isInteger(mib) ? String(mib) : mib.toFixed(1);
  return `${rounded} MiB (${bytes} bytes)`;
}
