import http from 'node:http';
import https from 'node:https';
import type { AllowList } from '../../media/index.js';
import { pinnedLookup, UnsafeTargetError, vetHost } from '../../media/safe-connect.js';

/** What a receiver answered: its HTTP status, or why there was none. */
export interface PostResult {
  status: number | null;
  error: string | null;
}

/** Most of a receiver's answer that is read (and thrown away); the rest is not waited for. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one callback the way images are fetched: the host resolved once and refused when private (unless
 * allow-listed), the socket pinned to the vetted addresses, one time limit for everything. Redirects are not
 * followed: a callback URL that moved is the owner's to fix, and following one would bypass the check.
 * Any 2xx is success; everything else is a failed attempt with a reason fit for the delivery log.
 */
export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { allowList: AllowList; timeoutMs: number },
): Promise<PostResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return { status: null, error: `the ${target.protocol} scheme is not allowed` };
    }
    const addresses = await vetHost(target, options.allowList, timeout);
    const status = await send(target, addresses, headers, body, timeout);
    if (status >= 200 && status <= 299) return { status, error: null };
    const redirect = status >= 300 && status <= 399 ? ' (redirects are not followed)' : '';
    return { status, error: `the receiver answered HTTP ${status}${redirect}` };
  } catch (error) {
    if (timeout.aborted) return { status: null, error: `timed out after ${options.timeoutMs} ms` };
    if (error instanceof UnsafeTargetError) return { status: null, error: error.message };
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return { status: null, error: code ? `the connection failed (${code})` : String(error) };
  }
}

function send(
  url: URL,
  addresses: Parameters<typeof pinnedLookup>[0],
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  const payload = Buffer.from(body);
  return new Promise<number>((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      lookup: pinnedLookup(addresses),
      agent: false,
      signal,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(payload.length),
        'user-agent': 'inbetween-webhooks',
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) {
          request.destroy();
          resolve(status);
        }
      });
      response.on('end', () => resolve(status));
      response.on('error', () => resolve(status));
    });
    request.end(payload);
  });
}
