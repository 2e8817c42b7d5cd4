import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { apiError, usdToMicros, type Micros } from '../contract/index.js';
import type { ApiKeyRecord, TaskStore } from '../store/index.js';
import { authenticateAdmin, authenticateKey, hashSecret, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';
import { keyView, usageView } from './key-views.js';

/** A new API key's secret: 256 random bits with a prefix that says what it is (and what leaked, if it does). */
export function newApiKeySecret(): string {
  return `ib_${randomBytes(32).toString('base64url')}`;
}

/**
 * Stores a new key and returns its record and the secret, which is shown once and never stored. A balance
 * makes the key limited (its opening top-up); without one it is unlimited.
 */
export async function createApiKey(
  store: TaskStore,
  name: string,
  balanceMicros: Micros | null = null,
): Promise<{ record: ApiKeyRecord; secret: string }> {
  const secret = newApiKeySecret();
  const record: ApiKeyRecord = {
    id: `key_${randomBytes(9).toString('base64url')}`,
    name,
    secretHash: hashSecret(secret),
    prefix: secret.slice(0, 8),
    createdAt: new Date(),
    revokedAt: null,
    balanceMicros,
    webhookSecret: newWebhookSecret(),
    lastUsedAt: null,
    previousWebhookSecret: null,
  };
  await store.insertKey(record);
  return { record, secret };
}

const LEDGER_PAGE = 50;

/** How long a rotated-out webhook secret keeps signing beside the new one: a day to deploy the new secret. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3_600_000;

/** A Standard Webhooks secret: `whsec_` and the base64 of 192 random bits of HMAC key. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * /admin/v1: keys (create, with the secret and webhook secret in that one answer only; list; revoke), money
 * (top up, usage with the ledger) and the ledger audit. The admin token only.
 */
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

  async function existingKey(id: string): Promise<ApiKeyRecord> {
    const key = await store.getKey(id);
    if (!key) throw unknownKey(id);
    return key;
  }

  app.post<{ Body: { name?: unknown; balance?: unknown } | undefined }>(
    '/admin/v1/keys',
    async (request, reply) => {
      const name = request.body?.name ?? 'default';
      if (typeof name !== 'string' || name.length > 200) {
        throw apiError('002014010', {
          param: 'name',
          values: { expected: 'a string of at most 200 characters', received: typeof name },
        });
      }
      const balance = request.body?.balance ?? null;
      const balanceMicros = balance === null ? null : parseUsd(balance, 'balance', { allowZero: true });
      const { record, secret } = await createApiKey(store, name, balanceMicros);
      const account = await store.getKeyAccount(record.id);
      return reply
        .status(201)
        .send({ ...keyView(record, account), key: secret, webhook_secret: record.webhookSecret });
    },
  );

  app.get('/admin/v1/keys', async () => {
    const [records, accounts] = await Promise.all([store.listKeys(), store.listKeyAccounts()]);
    const byKey = new Map(accounts.map((account) => [account.keyId, account]));
    return { keys: records.map((record) => keyView(record, byKey.get(record.id) ?? null)) };
  });

  app.get<{ Params: { id: string } }>('/admin/v1/keys/:id', async (request) => {
    const key = await existingKey(request.params.id);
    return keyView(key, await store.getKeyAccount(key.id));
  });

  app.post<{ Params: { id: string } }>('/admin/v1/keys/:id/revoke', async (request) => {
    const revoked = await store.revokeKey(request.params.id, new Date());
    keys.clear();
    if (!revoked) throw unknownKey(request.params.id);
    return keyView(revoked, await store.getKeyAccount(revoked.id));
  });

  app.post<{ Params: { id: string }; Body: { amount?: unknown } | undefined }>(
    '/admin/v1/keys/:id/top-up',
    async (request) => {
      const amount = parseUsd(request.body?.amount, 'amount', { allowZero: false });
      const result = await store.topUpKey(request.params.id, amount, new Date());
      if (!result.ok && result.reason === 'not_found') throw unknownKey(request.params.id);
      if (!result.ok) {
        const expected =
          result.reason === 'unlimited'
            ? 'a key with a balance (this key is unlimited, so there is nothing to top up)'
            : 'an amount that keeps the balance under 9,007,199,254 USD';
        throw apiError('002014010', { param: 'amount', values: { expected, received: request.params.id } });
      }
      keys.clear();
      return keyView(result.key, result.account);
    },
  );

  app.post<{ Params: { id: string } }>('/admin/v1/keys/:id/rotate-webhook-secret', async (request) => {
    const until = new Date(Date.now() + WEBHOOK_SECRET_OVERLAP_MS);
    const rotated = await store.rotateWebhookSecret(request.params.id, newWebhookSecret(), until);
    if (!rotated) throw unknownKey(request.params.id);
    keys.clear();
    return {
      ...keyView(rotated, await store.getKeyAccount(rotated.id)),
      webhook_secret: rotated.webhookSecret,
      previous_webhook_secret_valid_until: until.toISOString(),
    };
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string; before?: string } }>(
    '/admin/v1/keys/:id/usage',
    async (request) => {
      const key = await existingKey(request.params.id);
      const limit = pageLimit(request.query.limit);
      const before = request.query.before === undefined ? null : Number(request.query.before);
      if (before !== null && (!Number.isSafeInteger(before) || before < 1)) {
        throw apiError('002014010', {
          param: 'before',
          values: { expected: 'a next_before from a previous page', received: request.query.before ?? '' },
        });
      }
      const [account, entries, upstream] = await Promise.all([
        store.getKeyAccount(key.id),
        store.listLedger(key.id, { limit: limit + 1, beforeId: before }),
        store.upstreamCost(key.id),
      ]);
      const page = entries.slice(0, limit);
      const nextBefore = entries.length > limit ? (page.at(-1)?.id ?? null) : null;
      if (!account) throw unknownKey(key.id);
      return usageView(key, account, page, nextBefore, upstream);
    },
  );

  app.get('/admin/v1/ledger/audit', async () => store.auditLedger());
}

function unknownKey(id: string) {
  return apiError('002014010', { param: 'id', values: { expected: 'an existing key id', received: id } });
}

function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return LEDGER_PAGE;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw apiError('002014010', {
      param: 'limit',
      values: { expected: 'an integer from 1 to 500', received: raw },
    });
  }
  return limit;
}

/** A USD amount as a decimal string ("5", "2.50") or a JSON number, in exact micro-dollars. */
function parseUsd(value: unknown, param: string, rules: { allowZero: boolean }): Micros {
  const expected = `a USD amount as a decimal string with at most 6 decimals${rules.allowZero ? '' : ', above 0'}`;
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') {
    throw apiError('002014010', { param, values: { expected, received: typeof value } });
  }
  let micros: Micros;
  try {
    micros = usdToMicros(text);
  } catch {
    throw apiError('002014010', { param, values: { expected, received: JSON.stringify(text) } });
  }
  if (micros === 0 && !rules.allowZero) {
    throw apiError('002014010', { param, values: { expected, received: JSON.stringify(text) } });
  }
  return micros;
}
