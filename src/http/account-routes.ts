import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../accounts/account-service.js';
import { formatUsd } from '../contract/index.js';
import { authenticateKey, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';

/**
 * `GET /model/v1/account`: the calling key's own money, so a client can show what is left before it creates
 * (the admin endpoints show the same for every key).
 */
export function registerAccountRoutes(
  app: FastifyInstance,
  options: AppOptions,
  keys: KeyCache,
  accounts: AccountService,
): void {
  app.get('/model/v1/account', async (request) => {
    const key = await authenticateKey(options.store, request.headers.authorization, keys);
    const account = await accounts.account(key.id);
    return {
      key_id: key.id,
      name: key.name,
      // null = unlimited
      balance: account.balanceMicros === null ? null : formatUsd(account.balanceMicros),
      held: formatUsd(account.heldMicros),
      spent: formatUsd(account.spentMicros),
    };
  });
}
