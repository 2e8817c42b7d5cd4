import { timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../accounts/key-secrets.js';
import { apiError } from '../contract/index.js';
import type { ApiKeyRecord, TaskStore } from '../store/index.js';

/** The credential schemes: `Bearer <key>` on /model/v1 and /admin/v1, `Token <key>` on Vidu's /ent/v2. */
export type AuthScheme = 'Bearer' | 'Token';

function bearerToken(header: string | undefined, scheme: AuthScheme = 'Bearer'): string | null {
  const match = new RegExp(`^${scheme}\\s+(\\S+)\\s*$`, 'i').exec(header ?? '');
  return match ? match[1] : null;
}

/** The key a header carries in `scheme`, or null; Vidu's callbacks are signed with it. */
export function credentialOf(header: string | undefined, scheme: AuthScheme): string | null {
  return bearerToken(header, scheme);
}

/**
 * Recently seen keys by hash, so a client polling a task many times a second costs one store query per few
 * seconds instead of one per request. A revoke through this process clears it at once; a revoke made by
 * another process of the same deployment takes effect within {@link KEY_CACHE_MS}.
 */
export class KeyCache {
  readonly #entries = new Map<string, { key: ApiKeyRecord | null; until: number }>();

  get(hash: string, now: number): ApiKeyRecord | null | undefined {
    const entry = this.#entries.get(hash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.key;
    this.#entries.delete(hash);
    return undefined;
  }

  set(hash: string, key: ApiKeyRecord | null, now: number): void {
    // Bounded: a flood of random bearer tokens must not grow memory without limit.
    if (this.#entries.size >= KEY_CACHE_ENTRIES) this.#entries.clear();
    this.#entries.set(hash, { key, until: now + KEY_CACHE_MS });
  }

  clear(): void {
    this.#entries.clear();
  }

  /** True when `keyId`'s last use should be written now: at most once a minute per key and process. */
  shouldRecordUse(keyId: string, now: number): boolean {
    const last = this.#recordedUse.get(keyId);
    if (last !== undefined && now - last < KEY_USE_RECORD_MS) return false;
    if (this.#recordedUse.size >= KEY_CACHE_ENTRIES) this.#recordedUse.clear();
    this.#recordedUse.set(keyId, now);
    return true;
  }

  readonly #recordedUse = new Map<string, number>();
}

/** How often a key's `last_used_at` is written at most: a poll loop must not turn every read into a write. */
export const KEY_USE_RECORD_MS = 60_000;

export const KEY_CACHE_MS = 5_000;
const KEY_CACHE_ENTRIES = 10_000;

/** The API key a request carries, or 401 `unauthorized`. Revoked and unknown keys read the same. */
export async function authenticateKey(
  store: TaskStore,
  header: string | undefined,
  cache?: KeyCache,
  scheme: AuthScheme = 'Bearer',
): Promise<ApiKeyRecord> {
  const token = bearerToken(header, scheme);
  if (token === null) {
    throw apiError('unauthorized', {
      values: { received: header ? 'another scheme' : 'no Authorization header' },
    });
  }
  const hash = hashSecret(token);
  const now = Date.now();
  let key = cache?.get(hash, now);
  if (key === undefined) {
    key = await store.findKeyByHash(hash);
    cache?.set(hash, key, now);
  }
  // The lookup is by hash, so timing says nothing about the secret; the compare is constant-time anyway.
  if (!key || key.revokedAt || !timingSafeEqual(Buffer.from(key.secretHash), Buffer.from(hash))) {
    throw apiError('unauthorized', { values: { received: 'an unknown or revoked key' } });
  }
  if (cache?.shouldRecordUse(key.id, now)) {
    // Bookkeeping only: a failed write must not fail the request it describes.
    store.touchKey(key.id, new Date(now)).catch(() => undefined);
  }
  return key;
}

/** The admin endpoints' check: the admin token, compared in constant time. */
export function authenticateAdmin(adminToken: string, header: string | undefined): void {
  const token = bearerToken(header);
  const expected = Buffer.from(hashSecret(adminToken));
  const given = Buffer.from(hashSecret(token ?? ''));
  if (token === null || !timingSafeEqual(expected, given)) {
    throw apiError('unauthorized', {
      values: { received: token === null ? 'no admin token' : 'a wrong admin token' },
    });
  }
}
