import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTaskStore } from '../store-contract-suite.js';
import { at, makeKey, makeTask } from '../store-test-fixtures.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore } from './sqlite-task-store.js';

const dir = mkdtempSync(join(tmpdir(), 'inbetween-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function freshFile(): string {
  files += 1;
  return join(dir, `store-${files}.db`);
}

describeTaskStore('sqlite :memory:', () => openSqliteStore({ path: ':memory:' }));
describeTaskStore('sqlite file', () => openSqliteStore({ path: freshFile() }));

describe('sqlite store on a file', () => {
  it('keeps data and the schema across a reopen, in WAL mode', async () => {
    const path = freshFile();
    const first = await openSqliteStore({ path });
    await first.insertKey(makeKey(1));
    const task = makeTask(makeKey(1).id);
    await first.insertTask(task, { idempotency: { key: 'k', requestHash: 'h' } });
    await first.close();

    const second = await openSqliteStore({ path });
    expect(await second.getTask(task.id)).toMatchObject({
      id: task.id,
      status: 'pending',
      idempotencyKey: 'k',
    });
    expect(await second.findKeyByHash(makeKey(1).secretHash)).toEqual(makeKey(1));
    await second.close();

    const db = new Database(path, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer schema', async () => {
    const path = freshFile();
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      999,
      'future',
      0,
    );
    db.close();
    await expect(openSqliteStore({ path })).rejects.toThrow(/schema version/);
  });

  it('never gives one task to two connections', async () => {
    const path = freshFile();
    const stores = await Promise.all([openSqliteStore({ path }), openSqliteStore({ path })]);
    const [a, b] = stores;
    await a.insertKey(makeKey(1));
    for (let i = 0; i < 20; i += 1) await a.insertTask(makeTask(makeKey(1).id, { createdAt: at(i) }));
    const claimed: string[] = [];
    for (let round = 0; round < 10; round += 1) {
      const pair = await Promise.all([
        a.claimNextTask({ owner: 'a', leaseMs: 1000, now: at(100), includeOffPeak: true }),
        b.claimNextTask({ owner: 'b', leaseMs: 1000, now: at(100), includeOffPeak: true }),
      ]);
      for (const task of pair) if (task) claimed.push(task.id);
    }
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed).size).toBe(20);
    expect(await b.queueDepth()).toBe(0);
    await Promise.all(stores.map((store) => store.close()));
  });
});
