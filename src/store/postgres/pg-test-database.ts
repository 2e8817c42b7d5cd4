import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Test support for the PostgreSQL tests; not part of the package (excluded from the build).

/** The server the tests use; each run creates its own database there and drops it afterwards. */
export const TEST_DATABASE_URL =
  process.env.INBETWEEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Null when the test server answers, else why not. */
export async function probePostgres(url = TEST_DATABASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Whether the PostgreSQL tests skip: only locally, where the server may be absent (with a warning saying so). In
 * CI (CI=true) .ci/run starts PostgreSQL and the tests must run, so an absent server fails them instead.
 */
export async function skipWithoutPostgres(): Promise<boolean> {
  const problem = await probePostgres();
  const skip = problem !== null && !process.env.CI;
  if (skip) {
    console.warn(
      `PostgreSQL not reachable at INBETWEEN_TEST_DATABASE_URL (${TEST_DATABASE_URL}): ${problem}; PostgreSQL tests skipped`,
    );
  }
  return skip;
}

/** A fresh database of this test run: its URL and how to drop it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a random name next to {@link TEST_DATABASE_URL}'s. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `inbetween_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE ends the connections a failed test left open.
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

let schemas = 0;

/** A schema name unique within the run, for a store of its own inside one test database. */
export function freshSchema(): string {
  schemas += 1;
  return `t${process.pid}_${schemas}`;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
