import type { FastifyInstance } from 'fastify';
import { apiError } from '../contract/index.js';
import type { TaskStore } from '../store/index.js';
import { authenticateKey, type AuthScheme, type KeyCache } from './authenticate.js';
import type { IntakeGate } from './intake-gate.js';
import type { LongResponses } from './long-responses.js';
import { RateLimiter } from './rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes images in (a create): it needs a place at the {@link IntakeGate} before its body is read. */
    intake?: boolean;
  }
}

/** URL prefixes whose every request needs an API key, with the scheme each dialect sends it in. */
const API_KEY_PREFIXES: ReadonlyArray<readonly [prefix: string, scheme: AuthScheme]> = [
  ['/model/', 'Bearer'],
  ['/ent/', 'Token'],
];

// Probes and scrapes come from the platform at a steady rate; they must not be throttled with the clients.
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface ApiGuardOptions {
  readonly store: TaskStore;
  readonly keys: KeyCache;
  /** Requests per second per API key; bursts of twice as many. */
  readonly keyRate: number;
  /** Requests per second per client address (with trust proxy, the forwarded one); bursts of twice as many. */
  readonly addressRate: number;
  readonly intake: IntakeGate;
  readonly longResponses: LongResponses;
}

/**
 * What every request passes before its body is read, cheapest first: the shutdown check, its client address's
 * rate, then on the API its key (a missing or unknown key is a 401 before a byte of a 20 MB body is parsed),
 * its key's rate, and for a create a place at the intake gate.
 */
export function registerApiGuard(app: FastifyInstance, options: ApiGuardOptions): void {
  const byKey = new RateLimiter(options.keyRate);
  const byAddress = new RateLimiter(options.addressRate);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (UNLIMITED_PATHS.has(path)) return;
    if (options.longResponses.closing) {
      throw apiError('server_busy', { values: { reason: 'the server is shutting down', retry_after: 1 } });
    }
    const addressWait = byAddress.take(`ip:${request.ip}`);
    if (addressWait > 0) {
      throw apiError('rate_limited', {
        values: { reason: 'request rate of this client address', retry_after: addressWait },
      });
    }
    const scheme = API_KEY_PREFIXES.find(([prefix]) => path.startsWith(prefix))?.[1];
    if (scheme === undefined) return;
    const key = await authenticateKey(options.store, request.headers.authorization, options.keys, scheme);
    const keyWait = byKey.take(key.id);
    if (keyWait > 0) {
      throw apiError('rate_limited', {
        values: { reason: 'request rate of this API key', retry_after: keyWait },
      });
    }
    if (request.routeOptions.config.intake === true) options.intake.claim(request, reply);
  });
}
