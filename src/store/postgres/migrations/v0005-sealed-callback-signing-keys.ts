import type { PgMigration } from './pg-migration.js';

// The API key of a task made through /ent/v2, sealed with the deployment secret: on the task until it is final,
// on each callback row until that callback is delivered or given up.
export const V0005_SEALED_CALLBACK_SIGNING_KEYS: PgMigration = {
  version: 5,
  name: 'sealed Vidu callback signing keys',
  sql: `
    ALTER TABLE tasks ADD COLUMN callback_signing_key TEXT;
    ALTER TABLE webhook_deliveries ADD COLUMN signing_key TEXT;
  `,
};
