import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, PG_MIGRATIONS } from '../src/store/index.js';
import {
  createTestDatabase,
  skipWithoutPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../src/store/postgres/pg-test-database.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skipPostgres = await skipWithoutPostgres();

/** Runs `inbetween migrate` from source with only the given settings in its environment. */
function migrate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, 'migrate', ...args],
      { timeout: 60_000, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('inbetween migrate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inbetween-migrate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates the embedded SQLite file once', async () => {
    const newest = MIGRATIONS.at(-1)?.version;
    const first = await migrate(['--data-dir', dir]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      `${join(dir, 'inbetween.db')}: schema version ${newest}, applied ${MIGRATIONS.map((m) => m.version).join(', ')}\n`,
    );
    expect((await migrate(['--data-dir', dir])).stdout).toMatch(/nothing to apply\n$/);
  });

  it('stops with the setting named when the database cannot be reached', async () => {
    const result = await migrate([], { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^inbetween: DATABASE_URL: Cannot reach PostgreSQL at u@127\.0\.0\.1:1\/x/);
    expect(result.stderr).not.toContain('secret');
    const scheme = await migrate([], { DATABASE_URL: 'mysql://db/x' });
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/DATABASE_URL/);
  });

  describe.skipIf(skipPostgres)(`on PostgreSQL (else: ${TEST_DATABASE_URL} not reachable)`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('migrates the database of DATABASE_URL once', async () => {
      const first = await migrate([], { DATABASE_URL: database.url });
      expect(first).toMatchObject({ code: 0, stderr: '' });
      const versions = PG_MIGRATIONS.map((m) => m.version);
      expect(first.stdout).toBe(
        `PostgreSQL (DATABASE_URL): schema version ${versions.at(-1)}, applied ${versions.join(', ')}\n`,
      );
      expect((await migrate(['--database-url', database.url])).stdout).toMatch(/nothing to apply\n$/);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        expect(rows.map((row) => row.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      } finally {
        await client.end();
      }
    });
  });
});
