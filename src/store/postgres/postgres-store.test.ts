import { afterAll, beforeAll, describe } from 'vitest';
import { describeTaskStore } from '../store-contract-suite.js';
import {
  createTestDatabase,
  freshSchema,
  skipWithoutPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
} from './pg-test-database.js';
import { openPostgresStore } from './postgres-task-store.js';

// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skip = await skipWithoutPostgres();

describe.skipIf(skip)(`postgres store (else: PostgreSQL at ${TEST_DATABASE_URL} not reachable)`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  // Each test gets a schema of its own in the run's database: empty and freshly migrated.
  describeTaskStore('postgres', () => openPostgresStore(database.url, { schema: freshSchema() }));
});
