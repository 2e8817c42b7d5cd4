import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService, MoneyCallDone } from '../accounts/account-service.js';
import { apiError, usdToMicros, type Micros } from '../contract/index.js';
import { authenticateAdmin, authenticateKey, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';
import { entryView, keyView, usageView } from './key-views.js';

const LEDGER_PAGE = 50;

/**
 * /admin/v1: keys (create, with the secret and webhook secret in that one answer only; list; revoke), money
 * (top up, adjust, usage with the ledger) and the ledger audit. The admin token only. The routes parse and
 * answer; what happens is the account service's.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  options: AppOptions,
  keys: KeyCache,
  accounts: AccountService,
): void {
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

  app.post<{ Body: { name?: unknown; balance?: unknown } | undefined }>(
    '/admin/v1/keys',
    async (request, reply) => {
      const balance = request.body?.balance ?? null;
      const balanceMicros = balance === null ? null : parseUsd(balance, 'balance', { allowZero: true });
      const { record, account, secret } = await accounts.createKey(
        request.body?.name ?? 'default',
        balanceMicros,
      );
      return reply
        .status(201)
        .send({ ...keyView(record, account), key: secret, webhook_secret: record.webhookSecret });
    },
  );

  app.get('/admin/v1/keys', async () => ({
    keys: (await accounts.listKeys()).map(({ record, account }) => keyView(record, account)),
  }));

  app.get<{ Params: { id: string } }>('/admin/v1/keys/:id', async (request) => {
    const { record, account } = await accounts.getKey(request.params.id);
    return keyView(record, account);
  });

  app.post<{ Params: { id: string } }>('/admin/v1/keys/:id/revoke', async (request) => {
    try {
      const { record, account } = await accounts.revokeKey(request.params.id);
      return keyView(record, account);
    } finally {
      keys.clear();
    }
  });

  app.post<{ Params: { id: string }; Body: { amount?: unknown } | undefined }>(
    '/admin/v1/keys/:id/top-up',
    async (request, reply) => {
      const amount = parseUsd(request.body?.amount, 'amount', { allowZero: false });
      const done = await accounts.topUp(request.params.id, amount, idempotencyKeyOf(request));
      keys.clear();
      return moneyAnswer(reply, done);
    },
  );

  app.post<{
    Params: { id: string };
    Body: { kind?: unknown; amount?: unknown; reason?: unknown } | undefined;
  }>('/admin/v1/keys/:id/adjust', async (request, reply) => {
    const amount = parseUsd(request.body?.amount, 'amount', { allowZero: false });
    const done = await accounts.adjust(
      request.params.id,
      { kind: request.body?.kind, amountMicros: amount, reason: request.body?.reason },
      idempotencyKeyOf(request),
    );
    keys.clear();
    return moneyAnswer(reply, done);
  });

  app.post<{ Params: { id: string } }>('/admin/v1/keys/:id/rotate-webhook-secret', async (request) => {
    const { record, account, previousUntil } = await accounts.rotateWebhookSecret(request.params.id);
    keys.clear();
    return {
      ...keyView(record, account),
      webhook_secret: record.webhookSecret,
      previous_webhook_secret_valid_until: previousUntil.toISOString(),
    };
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string; before?: string } }>(
    '/admin/v1/keys/:id/usage',
    async (request) => {
      const limit = pageLimit(request.query.limit);
      const before = request.query.before === undefined ? null : Number(request.query.before);
      if (before !== null && (!Number.isSafeInteger(before) || before < 1)) {
        throw apiError('002014010', {
          param: 'before',
          values: { expected: 'a next_before from a previous page', received: request.query.before ?? '' },
        });
      }
      const [usage, upstream] = await Promise.all([
        accounts.usage(request.params.id, { limit, before }),
        store.upstreamCost(request.params.id),
      ]);
      return usageView(usage, upstream);
    },
  );

  app.get('/admin/v1/ledger/audit', async () => accounts.audit());
}

/**
 * A money call's answer: the key as it is now and the ledger entry the call made. A retry under the same
 * Idempotency-Key answers the same entry, marked as a replay, and writes nothing.
 */
function moneyAnswer(reply: FastifyReply, done: MoneyCallDone) {
  if (done.replayed) void reply.header('idempotent-replayed', 'true');
  return { ...keyView(done.key, done.account), entry: entryView(done.entry) };
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  return Array.isArray(value) ? value[0] : value;
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
