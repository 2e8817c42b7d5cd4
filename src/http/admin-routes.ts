import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../contract/index.js';
import type { ApiKeyRecord } from '../store/index.js';
import { authenticateAdmin, authenticateKey, hashSecret, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';

/** A new API key's secret: 256 random bits with a prefix that says what it is (and what leaked, if it does). */
export function newApiKeySecret(): string {
  return `ib_${randomBytes(32).toString('base64url')}`;
}

/** Stores a new key and returns its record and the secret, which is shown once and never stored. */
export async function createApiKey(
  store: AppOptions['store'],
  name: string,
): Promise<{ record: ApiKeyRecord; secret: string }> {
  const secret = newApiKeySecret();
  const record: ApiKeyRecord = {
    id: `key_${randomBytes(9).toString('base64url')}`,
    name,
    secretHash: hashSecret(secret),
    prefix: secret.slice(0, 8),
    createdAt: new Date(),
    revokedAt: null,
    balanceMicros: null,
    webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
  };
  await store.insertKey(record);
  return { record, secret };
}

function publicKey(record: ApiKeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    created_at: record.createdAt.toISOString(),
    revoked_at: record.revokedAt ? record.revokedAt.toISOString() : null,
  };
}

/** /admin/v1/keys: create (the secret is in this one answer only), list, revoke; the admin token only. */
export function registerAdminRoutes(app: FastifyInstance, options: AppOptions, keys: KeyCache): void {
  const { store } = options;
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/admin/')) return;
    try {
      authenticateAdmin(options.adminToken, request.headers.authorization);
    } catch (error) {
      // A valid API key is a known caller without the right: 403, not 401.
      const isApiKey = await authenticateKey(store, request.headers.authorization, keys).then(
        () => true,
        () => false,
      );
      if (isApiKey)
        throw apiError('forbidden', {
          values: { reason: 'API keys cannot manage keys; use the admin token' },
        });
      throw error;
    }
  });

  app.post<{ Body: { name?: unknown } | undefined }>('/admin/v1/keys', async (request, reply) => {
    const name = request.body?.name ?? 'default';
    if (typeof name !== 'string' || name.length > 200) {
      throw apiError('002014010', {
        param: 'name',
        values: { expected: 'a string of at most 200 characters', received: typeof name },
      });
    }
    const { record, secret } = await createApiKey(store, name);
    return reply.status(201).send({ ...publicKey(record), key: secret });
  });

  app.get('/admin/v1/keys', async () => ({ keys: (await store.listKeys()).map(publicKey) }));

  app.post<{ Params: { id: string } }>('/admin/v1/keys/:id/revoke', async (request) => {
    const revoked = await store.revokeKey(request.params.id, new Date());
    keys.clear();
    if (!revoked)
      throw apiError('002014010', {
        param: 'id',
        values: { expected: 'an existing key id', received: request.params.id },
      });
    return publicKey(revoked);
  });
}
