import { createHash, timingSafeEqual } from 'node:crypto';
import { apiError } from '../contract/index.js';
import type { ApiKeyRecord, TaskStore } from '../store/index.js';

/** The stored form of an API key: its SHA-256. Keys are 256-bit random, so a plain hash is enough. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** The API key a request carries, or 401 `unauthorized`. Revoked and unknown keys read the same. */
export async function authenticateKey(store: TaskStore, header: string | undefined): Promise<ApiKeyRecord> {
  const token = bearerToken(header);
  if (token === null) {
    throw apiError('unauthorized', {
      values: { received: header ? 'another scheme' : 'no Authorization header' },
    });
  }
  const hash = hashSecret(token);
  const key = await store.findKeyByHash(hash);
  // The lookup is by hash, so timing says nothing about the secret; the compare is constant-time anyway.
  if (!key || key.revokedAt || !timingSafeEqual(Buffer.from(key.secretHash), Buffer.from(hash))) {
    throw apiError('unauthorized', { values: { received: 'an unknown or revoked key' } });
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
