import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AllowList } from './address-policy.js';
import { pinnedLookup, vetHost, type HostResolver } from './safe-connect.js';

/** A URL or redirect that is not followed (bad scheme, no Location, too many hops); the message is safe to show. */
export class GuardedGetError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'GuardedGetError';
  }
}

/** Options of {@link guardedGet}. */
export interface GuardedGetOptions {
  /** Private addresses that may be reached all the same (INBETWEEN_ALLOW_PRIVATE_HOSTS). */
  readonly allowList: AllowList;
  readonly signal: AbortSignal;
  /** Redirects followed at most; every hop is vetted again. */
  readonly maxRedirects: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Resolves host names; default the system resolver. Whatever it answers is vetted and then pinned. */
  readonly resolveHost?: HostResolver;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a URL that someone else chose (an image, a provider's output) without letting it reach the private
 * network: only http and https; each hop, redirects included, resolved once, refused when an address is private,
 * loopback, link-local or otherwise special (unless allowed), then connected to exactly the vetted addresses on
 * a socket of its own. Answers the first response that is not a redirect, its body unread and streaming.
 *
 * @throws UnsafeTargetError for a blocked address or a failed DNS lookup; GuardedGetError for a URL or redirect
 *   that is not followed; the connection's own error otherwise (the signal's reason when it aborts).
 */
export async function guardedGet(start: string, options: GuardedGetOptions): Promise<IncomingMessage> {
  let url = parseUrl(start);
  for (let redirects = 0; ; redirects++) {
    const addresses = await vetHost(url, options.allowList, options.signal, options.resolveHost);
    const response = await requestOnce(url, addresses, options);
    const status = response.statusCode ?? 0;
    if (!REDIRECT_STATUSES.has(status)) return response;
    response.destroy();
    const location = response.headers.location;
    if (location === undefined) {
      throw new GuardedGetError(`the server answered HTTP ${status} without a Location`);
    }
    if (redirects >= options.maxRedirects) {
      throw new GuardedGetError(`too many redirects (more than ${options.maxRedirects})`);
    }
    url = parseUrl(location, url);
  }
}

function parseUrl(value: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch (error) {
    throw new GuardedGetError(base ? 'the redirect location is not a URL' : 'not a URL', error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const where = base ? 'a redirect to ' : '';
    throw new GuardedGetError(`${where}the ${url.protocol} scheme is not allowed (only http and https)`);
  }
  return url;
}

function requestOnce(
  url: URL,
  addresses: Parameters<typeof pinnedLookup>[0],
  options: GuardedGetOptions,
): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = client.request(url, {
      method: 'GET',
      lookup: pinnedLookup(addresses),
      // No pooled sockets: a kept-alive connection must never outlive the vetting of the hop that opened it.
      agent: false,
      signal: options.signal,
      headers: { 'user-agent': 'inbetween', ...options.headers },
    });
    request.on('error', reject);
    request.on('response', resolve);
    request.end();
  });
}
