import type { FastifyInstance } from 'fastify';
import { formatUsd } from '../contract/index.js';
import { authenticateKey, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';

/**
 * `GET /model/v1/account`: the calling key's own money, so a client can show what is left before it creates
 * (the admin endpoints show the same for every key).
 */
export function registerAccountRoutes(app: FastifyInstance, options: AppOptions, keys: KeyCache): void {
  const { store } = options;
  app.get('/model/v1/account', async (request) => {
    const key = await authenticateKey(store, request.headers.authorization, keys);
    // Read afresh (the cached key's balance may be a few seconds old); the account carries the balance too.
    const account = await store.getKeyAccount(key.id);
    const balance = account?.balanceMicros ?? null;
    return {
      key_id: key.id,
      name: key.name,
      // null = unlimited
      balance: balance === null ? null : formatUsd(balance),
      held: formatUsd(account?.heldMicros ?? 0),
      spent: formatUsd(account?.spentMicros ?? 0),
    };
  });
}
