import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTaskStore } from '../store-contract-suite.js';
import { at, makeKey, makeTask } from '../store-test-fixtures.js';
import { MIGRATIONS, migrate } from './migrations.js';
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

  it('keeps the unfinished-task and queue limits across connections on one file', async () => {
    const path = freshFile();
    const stores = await Promise.all([openSqliteStore({ path }), openSqliteStore({ path })]);
    await stores[0].insertKey(makeKey(1));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % 2].insertTask(makeTask(makeKey(1).id, { createdAt: at(i) }), {
          limits: { maxActiveTasks: 3, maxQueue: 5 },
        }),
      ),
    );
    expect(results.filter((result) => result.inserted)).toHaveLength(3);
    expect(await stores[1].queueDepth()).toBe(3);
    await Promise.all(stores.map((store) => store.close()));
  });
});

/** A store on a file with a key holding $2 and one pending task, and a second connection's path to it. */
async function storeWithOneHeldTask() {
  const path = freshFile();
  const store = await openSqliteStore({ path });
  const key = makeKey(3, { balanceMicros: 2_000_000 });
  await store.insertKey(key);
  const task = makeTask(key.id);
  await store.insertTask(task);
  return { path, store, key, task };
}

describe('sqlite ledger, one transaction with the task', () => {
  it('leaves the task and the balance as they were when writing its ledger entry fails', async () => {
    const { path, store, key, task } = await storeWithOneHeldTask();
    // A crash between the status change and its refund, simulated: the refund's insert aborts.
    const db = new Database(path);
    db.exec(`CREATE TRIGGER fail_refund BEFORE INSERT ON ledger_entries WHEN NEW.kind = 'refund'
             BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    await expect(store.cancelTask(task.id, key.id, at(5))).rejects.toThrow(/simulated crash/);
    expect(await store.getTask(task.id)).toMatchObject({ status: 'pending', version: 1 });
    expect((await store.getKey(key.id))?.balanceMicros).toBe(2_000_000 - task.costMicros);
    expect(await store.listDeliveries(task.id)).toHaveLength(1);

    db.exec('DROP TRIGGER fail_refund');
    db.close();
    expect((await store.cancelTask(task.id, key.id, at(6))).ok).toBe(true);
    expect((await store.getKey(key.id))?.balanceMicros).toBe(2_000_000);
    expect(await store.auditLedger()).toEqual({ balanced: true, problems: [] });
    await store.close();
  });

  it('finds a balance or a task that the ledger does not explain', async () => {
    const { path, store, key, task } = await storeWithOneHeldTask();
    const db = new Database(path);
    db.prepare('UPDATE api_keys SET balance_micros = balance_micros + 1 WHERE id = ?').run(key.id);
    db.prepare(`UPDATE tasks SET status = 'cancelled' WHERE id = ?`).run(task.id);
    db.close();
    const audit = await store.auditLedger();
    expect(audit.balanced).toBe(false);
    expect(audit.problems).toEqual([
      `key ${key.id} has a balance of 1300001 but its ledger sums to 1300000`,
      `cancelled task ${task.id} is not refunded`,
    ]);
    await store.close();
  });

  it('turns balances set before the ledger into opening top-ups when migrating', async () => {
    const path = freshFile();
    const db = new Database(path);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 2),
    );
    db.prepare(
      `INSERT INTO api_keys (id, name, secret_hash, prefix, created_at, balance_micros, webhook_secret)
       VALUES ('key_old', 'old', 'hash', 'ib_old', 1, 5000000, 'whsec_x')`,
    ).run();
    db.close();
    const store = await openSqliteStore({ path });
    expect(await store.getKeyAccount('key_old')).toMatchObject({
      balanceMicros: 5_000_000,
      toppedUpMicros: 5_000_000,
    });
    expect((await store.auditLedger()).balanced).toBe(true);
    await store.close();
  });

  it('keeps every ledger entry and its id when the ledger is rebuilt for adjustments', async () => {
    const path = freshFile();
    const db = new Database(path);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 4),
    );
    db.prepare(
      `INSERT INTO api_keys (id, name, secret_hash, prefix, created_at, balance_micros, webhook_secret)
       VALUES ('key_old', 'old', 'hash', 'ib_old', 1, 4000000, 'whsec_x')`,
    ).run();
    const entry = db.prepare(
      'INSERT INTO ledger_entries (id, key_id, task_id, kind, amount_micros, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    entry.run(7, 'key_old', null, 'top_up', 5_000_000, 1);
    entry.run(9, 'key_old', 'task_gone', 'hold', 1_000_000, 2);
    db.close();
    const store = await openSqliteStore({ path });
    expect((await store.listLedger('key_old', { limit: 10 })).map((e) => [e.id, e.kind, e.reason])).toEqual([
      [9, 'hold', null],
      [7, 'top_up', null],
    ]);
    const credit = await store.adjustKeyBalance(
      'key_old',
      { kind: 'credit', amountMicros: 1, reason: 'after the rebuild' },
      new Date(3),
    );
    // New ids continue after the old ones.
    expect(credit.ok && credit.entry.id).toBe(10);
    expect(await store.auditLedger()).toEqual({ balanced: true, problems: [] });
    await store.close();
  });
});
