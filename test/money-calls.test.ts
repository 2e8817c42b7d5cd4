import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';

// The operator's money calls through the admin API: a top-up or an adjustment retried under the same
// Idempotency-Key happens once; the same key for another call is a 409; adjustments (credit, debit) carry a
// reason into the ledger and the audit stays balanced.

const ADMIN = 'money-calls-admin';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: Record<string, unknown> & { error?: { code: string; param?: string; message: string } };
}

async function admin(url: string, payload?: object, idempotencyKey?: string, token = ADMIN): Promise<Answer> {
  const response = await server.app.inject({
    method: payload ? 'POST' : 'GET',
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

async function newKey(balance: string | null): Promise<{ id: string; key: string }> {
  const made = await admin('/admin/v1/keys', { name: 'ops', ...(balance === null ? {} : { balance }) });
  expect(made.status).toBe(201);
  return made.body as { id: string; key: string };
}

async function ledgerOf(id: string) {
  const usage = await admin(`/admin/v1/keys/${id}/usage`);
  return usage.body as {
    balance: string;
    credited: string;
    debited: string;
    ledger: { id: number; kind: string; amount: string; reason: string | null }[];
  };
}

async function expectBalanced(): Promise<void> {
  expect((await admin('/admin/v1/ledger/audit')).body).toEqual({ balanced: true, problems: [] });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-money-calls-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:8080',
    adminToken: ADMIN,
    fileSecret: 'money-calls-file-secret',
    renderThreads: 1,
    worker: { concurrency: 0 },
  });
});

afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('idempotent money calls', () => {
  it('tops up once for a retried call, and refuses the same key for another amount', async () => {
    const { id } = await newKey('1');
    const first = await admin(`/admin/v1/keys/${id}/top-up`, { amount: '2.5' }, 'invoice-1001');
    expect(first).toMatchObject({ status: 200, body: { balance: '3.5000', entry: { kind: 'top_up' } } });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await admin(`/admin/v1/keys/${id}/top-up`, { amount: '2.50' }, 'invoice-1001');
    expect(retry).toMatchObject({ status: 200, body: { balance: '3.5000' } });
    expect(retry.body.entry).toEqual(first.body.entry);
    expect(retry.headers['idempotent-replayed']).toBe('true');

    const other = await admin(`/admin/v1/keys/${id}/top-up`, { amount: '3' }, 'invoice-1001');
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'idempotency_conflict' });
    expect(other.body.error?.message).toBe(
      'Idempotency-Key invoice-1001 was already used with a different request body',
    );
    expect(typeof other.body.request_id).toBe('string');
    // Another key's top-up under a used Idempotency-Key is another call too.
    const second = await newKey('0');
    expect(
      (await admin(`/admin/v1/keys/${second.id}/top-up`, { amount: '2.5' }, 'invoice-1001')).status,
    ).toBe(409);
    const usage = await ledgerOf(id);
    expect(usage.ledger.map((entry) => [entry.kind, entry.amount])).toEqual([
      ['top_up', '2.5000'],
      ['top_up', '1.0000'],
    ]);
    expect(usage.balance).toBe('3.5000');
    await expectBalanced();
  });

  it('makes one entry when the same call arrives many times at once', async () => {
    const { id } = await newKey('0');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => admin(`/admin/v1/keys/${id}/top-up`, { amount: '1' }, 'burst-7')),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body.entry))).size).toBe(1);
    expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(11);
    expect((await ledgerOf(id)).balance).toBe('1.0000');
    await expectBalanced();
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const { id } = await newKey('0');
    const long = await admin(`/admin/v1/keys/${id}/top-up`, { amount: '1' }, 'k'.repeat(256));
    expect(long).toMatchObject({
      status: 400,
      body: { error: { code: '002014010', param: 'Idempotency-Key' } },
    });
    expect((await ledgerOf(id)).ledger).toEqual([]);
  });
});

describe('balance adjustments', () => {
  it('credits and debits with a reason, through the ledger', async () => {
    const { id } = await newKey('5');
    const credit = await admin(`/admin/v1/keys/${id}/adjust`, {
      kind: 'credit',
      amount: '0.75',
      reason: 'renders lost in the 3 March outage',
    });
    expect(credit).toMatchObject({
      status: 200,
      body: {
        balance: '5.7500',
        entry: {
          kind: 'credit',
          amount: '0.7500',
          reason: 'renders lost in the 3 March outage',
          task_id: null,
        },
      },
    });
    const debit = await admin(
      `/admin/v1/keys/${id}/adjust`,
      { kind: 'debit', amount: '2', reason: 'card payment reversed' },
      'chargeback-88',
    );
    expect(debit).toMatchObject({ status: 200, body: { balance: '3.7500' } });
    const again = await admin(
      `/admin/v1/keys/${id}/adjust`,
      { kind: 'debit', amount: '2', reason: 'card payment reversed' },
      'chargeback-88',
    );
    expect(again).toMatchObject({ status: 200, body: { balance: '3.7500', entry: debit.body.entry } });
    const usage = await ledgerOf(id);
    expect(usage).toMatchObject({ balance: '3.7500', credited: '0.7500', debited: '2.0000' });
    expect(usage.ledger.map((entry) => [entry.kind, entry.amount, entry.reason])).toEqual([
      ['debit', '2.0000', 'card payment reversed'],
      ['credit', '0.7500', 'renders lost in the 3 March outage'],
      ['top_up', '5.0000', null],
    ]);
    await expectBalanced();
  });

  it('refuses bad adjustments with the parameter named, writing nothing', async () => {
    const { id } = await newKey('1');
    const unlimited = await newKey(null);
    const cases: [string, object, string][] = [
      [id, { kind: 'debit', amount: '1.000001', reason: 'more than the balance' }, 'amount'],
      [id, { kind: 'credit', amount: '0', reason: 'zero' }, 'amount'],
      [id, { kind: 'credit', amount: '-1', reason: 'negative' }, 'amount'],
      [id, { kind: 'credit', amount: '1' }, 'reason'],
      [id, { kind: 'credit', amount: '1', reason: '   ' }, 'reason'],
      [id, { kind: 'credit', amount: '1', reason: 'r'.repeat(501) }, 'reason'],
      [id, { kind: 'refund', amount: '1', reason: 'not a kind' }, 'kind'],
      [id, { amount: '1', reason: 'no kind' }, 'kind'],
      [unlimited.id, { kind: 'credit', amount: '1', reason: 'unlimited key' }, 'amount'],
    ];
    for (const [key, body, param] of cases) {
      const answer = await admin(`/admin/v1/keys/${key}/adjust`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error, JSON.stringify(body)).toMatchObject({ code: '002014010', param });
    }
    // An id that names no key is a missing resource, as a missing task is.
    const unknown = await admin('/admin/v1/keys/key_nope/adjust', {
      kind: 'credit',
      amount: '1',
      reason: 'r',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'key_not_found' });
    expect((await ledgerOf(id)).ledger).toHaveLength(1);
    // Exactly the balance may be taken.
    expect(
      (await admin(`/admin/v1/keys/${id}/adjust`, { kind: 'debit', amount: '1', reason: 'closing' })).body,
    ).toMatchObject({ balance: '0.0000' });
    await expectBalanced();
  });

  it('is the admin token only', async () => {
    const { id, key } = await newKey('1');
    const answer = await admin(
      `/admin/v1/keys/${id}/adjust`,
      { kind: 'credit', amount: '100', reason: 'self-service' },
      undefined,
      key,
    );
    expect(answer.status).toBe(403);
    expect((await ledgerOf(id)).balance).toBe('1.0000');
  });
});
