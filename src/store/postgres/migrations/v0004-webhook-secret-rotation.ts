import type { PgMigration } from './pg-migration.js';

export const V0004_WEBHOOK_SECRET_ROTATION: PgMigration = {
  version: 4,
  name: 'webhook secret rotation',
  sql: `
    ALTER TABLE api_keys ADD COLUMN previous_webhook_secret TEXT;
    ALTER TABLE api_keys ADD COLUMN previous_webhook_secret_until BIGINT;
  `,
};
