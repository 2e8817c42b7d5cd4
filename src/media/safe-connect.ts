import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { blockedAddressKind, type AllowList } from './address-policy.js';

// Connecting to a URL someone else gave us (an image, a watermark, a callback) without letting it reach the
// private network: resolve once, refuse private addresses, then connect to exactly the addresses vetted.

/** Why a URL's host may not be reached: a DNS failure or a blocked address; the message is safe to show. */
export class UnsafeTargetError extends Error {
  constructor(
    message: string,
    cause?: unknown,
    /** True for an address that is off limits (asking again cannot help), false for a DNS failure. */
    readonly blocked = false,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UnsafeTargetError';
  }
}

/** The URL host without IPv6 brackets or a trailing dot. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/**
 * Every address a host name has; the system resolver unless one is given (tests give one that changes its
 * answer, the way a DNS rebinding attack does).
 */
export type HostResolver = (host: string, signal: AbortSignal) => Promise<LookupAddress[]>;

/**
 * Resolves the host (all addresses) once and refuses it when any address is off limits. The caller connects to
 * the addresses returned (see {@link pinnedLookup}), never to a second answer.
 */
export async function vetHost(
  url: URL,
  allowList: AllowList,
  signal: AbortSignal,
  resolve: HostResolver = resolveHost,
): Promise<LookupAddress[]> {
  const host = bareHost(url);
  const version = isIP(host);
  const addresses = version !== 0 ? [{ address: host, family: version }] : await resolve(host, signal);
  if (addresses.length === 0) throw new UnsafeTargetError(`the DNS lookup of ${host} returned no address`);
  if (allowList.allowsHost(host)) return addresses;
  for (const { address } of addresses) {
    const kind = blockedAddressKind(address);
    if (kind !== undefined && !allowList.allowsAddress(address)) {
      // The address itself goes to the logs only: echoing what an internal name resolves to would map the
      // private network for whoever sends the URLs.
      const detail =
        version !== 0
          ? `${host} is a blocked address (${kind})`
          : `${host} resolves to a blocked address (${kind})`;
      throw new UnsafeTargetError(detail, new Error(`${host} -> ${address} (${kind})`), true);
    }
  }
  return addresses;
}

function resolveHost(host: string, signal: AbortSignal): Promise<LookupAddress[]> {
  // dns.lookup cannot be cancelled; racing it with the signal keeps the timeout honest on a slow resolver.
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new UnsafeTargetError(`the DNS lookup of ${host} timed out`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    dnsLookup(host, { all: true, order: 'verbatim' }, (error, addresses) => {
      signal.removeEventListener('abort', onAbort);
      if (error) {
        reject(
          new UnsafeTargetError(`the DNS lookup of ${host} failed (${error.code ?? error.message})`, error),
        );
      } else if (addresses.length === 0) {
        reject(new UnsafeTargetError(`the DNS lookup of ${host} returned no address`));
      } else {
        resolve(addresses);
      }
    });
  });
}

/** A `lookup` for http.request that answers with the vetted addresses and never asks DNS again. */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const matching = addresses.filter((a) => wanted === 0 || a.family === wanted);
    const candidates = matching.length > 0 ? matching : addresses;
    if (options.all)
      callback(
        null,
        candidates.map((a) => ({ ...a })),
      );
    else callback(null, candidates[0].address, candidates[0].family);
  };
}
