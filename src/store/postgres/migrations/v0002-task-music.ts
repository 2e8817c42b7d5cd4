import type { PgMigration } from './pg-migration.js';

export const V0002_TASK_MUSIC: PgMigration = {
  version: 2,
  name: 'background music choice on tasks',
  sql: `ALTER TABLE tasks ADD COLUMN music TEXT;`,
};
