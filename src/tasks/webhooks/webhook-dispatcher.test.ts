import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type TaskStore } from '../../store/index.js';
import { makeKey, makeTask } from '../../store/store-test-fixtures.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';

// The dispatcher against a real SQLite outbox and real receivers on loopback: one that never answers and one
// that answers at once. The bound of 1 s is on delivery order (the healthy callback must not queue behind the
// hanging one's 8 s time limit), not a measure of speed.

interface Receiver {
  server: Server;
  url: string;
  /** Task ids in the order their callbacks arrived, with the status each carried. */
  hits: { taskId: string; status: string; at: number; body: string }[];
}

const KEY = makeKey(1);
let store: TaskStore;
let receivers: Receiver[];
let dispatcher: WebhookDispatcher | null;
let errors: unknown[];

/** 'never' holds every request open; 'after the first' holds only the first one, as if its sender died. */
async function receiver(answer: 'never' | 'at once' | 'after the first'): Promise<Receiver> {
  const hits: Receiver['hits'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as { id: string; status: string };
      hits.push({ taskId: body.id, status: body.status, at: Date.now(), body: text });
      if (answer === 'at once' || (answer === 'after the first' && hits.length > 1))
        response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const made = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits };
  receivers.push(made);
  return made;
}

function startDispatcher(extra: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
  dispatcher = new WebhookDispatcher({
    store,
    renderTask: (task) => ({ id: task.id, status: task.status }),
    allowPrivateHosts: ['127.0.0.1'],
    timeoutMs: 8_000,
    pollMs: 50,
    onError: (error) => errors.push(error),
    ...extra,
  });
  dispatcher.start();
  return dispatcher;
}

/** A pending task whose creation callback goes to `url`; answers the task id. */
async function taskCallingBack(url: string): Promise<string> {
  const task = makeTask(KEY.id, { callbackUrl: url, createdAt: new Date() });
  await store.insertTask(task);
  dispatcher?.wake();
  return task.id;
}

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(async () => {
  store = await openSqliteStore({ path: ':memory:' });
  await store.insertKey(KEY);
  receivers = [];
  dispatcher = null;
  errors = [];
});

afterEach(async () => {
  for (const { server } of receivers) server.closeAllConnections();
  await dispatcher?.stop();
  for (const { server } of receivers) server.close();
  await store.close();
  expect(errors).toEqual([]);
});

describe('WebhookDispatcher', () => {
  it('delivers a healthy receiver within a second while another never answers', async () => {
    const hanging = await receiver('never');
    const healthy = await receiver('at once');
    startDispatcher();
    await taskCallingBack(hanging.url);
    await until('the hanging receiver to be called', () => hanging.hits.length === 1);
    const sent = Date.now();
    const id = await taskCallingBack(healthy.url);
    await until('the healthy receiver to be called', () => healthy.hits.length === 1, 1_000);
    expect(healthy.hits[0]).toMatchObject({ taskId: id, status: 'pending' });
    expect(healthy.hits[0].at - sent).toBeLessThan(1_000);
  });

  it('keeps a hanging receiver with a backlog to its own slots', async () => {
    const hanging = await receiver('never');
    const healthy = await receiver('at once');
    // More hanging callbacks than there are slots in all: without a per-receiver limit they would take every one.
    startDispatcher({ concurrency: 4, perReceiverConcurrency: 2 });
    for (let i = 0; i < 6; i++) await taskCallingBack(hanging.url);
    await until('two hanging attempts', () => hanging.hits.length === 2);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await taskCallingBack(healthy.url));
    await until('three healthy callbacks', () => healthy.hits.length === 3, 1_000);
    expect(healthy.hits.map((hit) => hit.taskId).sort()).toEqual([...ids].sort());
    // The per-receiver limit holds: the hanging receiver never sees more than two at once.
    expect(hanging.hits).toHaveLength(2);
  });

  it("sends one task's callbacks in the order of its changes", async () => {
    const healthy = await receiver('at once');
    const task = makeTask(KEY.id, { callbackUrl: healthy.url, createdAt: new Date() });
    await store.insertTask(task);
    const now = new Date();
    await store.claimNextTask({ owner: 'w', leaseMs: 60_000, now, includeOffPeak: true });
    await store.completeTask(task.id, 'w', { videoKey: 'v.mp4', coverKey: null, duration: 5 }, now);
    startDispatcher({ concurrency: 8 });
    await until('three callbacks', () => healthy.hits.length === 3);
    expect(healthy.hits.map((hit) => hit.status)).toEqual(['pending', 'processing', 'completed']);
    let delivered = 0;
    await until('three delivered', () => {
      void store.countDeliveriesByState().then((counts) => (delivered = counts.delivered));
      return delivered === 3;
    });
  });

  it('stops without sending what waits behind a hanging receiver', async () => {
    const hanging = await receiver('never');
    startDispatcher({ concurrency: 4, perReceiverConcurrency: 1, timeoutMs: 1_000 });
    for (let i = 0; i < 3; i++) await taskCallingBack(hanging.url);
    await until('the first hanging attempt', () => hanging.hits.length === 1);
    await dispatcher!.stop();
    dispatcher = null;
    // The attempt in flight ended by its time limit; the two waiting were left to their leases, unsent.
    expect(hanging.hits).toHaveLength(1);
    expect(await store.countDeliveriesByState()).toEqual({ pending: 3, delivered: 0, failed: 0 });
  });

  it('sends the same bytes again when the process that sent them died before recording the attempt', async () => {
    const flaky = await receiver('after the first');
    // Each rendering of the body differs, as signed file URLs do: only a kept body can be sent twice alike.
    let renderings = 0;
    const renderTask = (task: { id: string; status: string }): unknown => ({
      id: task.id,
      status: task.status,
      rendering: ++renderings,
    });
    const dying = startDispatcher({ renderTask, timeoutMs: 1_000 });
    const id = await taskCallingBack(flaky.url);
    await until('the first send', () => flaky.hits.length === 1);
    // A second process, an hour later: the first one's lease has run out as if it had been killed mid-send.
    const later = new WebhookDispatcher({
      store,
      renderTask,
      allowPrivateHosts: ['127.0.0.1'],
      pollMs: 50,
      clock: () => new Date(Date.now() + 3_600_000),
      onError: (error) => errors.push(error),
    });
    later.start();
    try {
      await until('the retry by the second process', () => flaky.hits.length === 2);
    } finally {
      await later.stop();
      await dying.stop();
      dispatcher = null;
    }
    expect(flaky.hits.map((hit) => hit.taskId)).toEqual([id, id]);
    expect(flaky.hits[1].body).toBe(flaky.hits[0].body);
    expect(JSON.parse(flaky.hits[0].body)).toMatchObject({ rendering: 1 });
  });

  it('reports store errors and goes on', async () => {
    const healthy = await receiver('at once');
    let failures = 2;
    const flaky = new Proxy(store, {
      get(target, name, self) {
        if (name === 'claimDueDeliveries' && failures > 0) {
          return () => {
            failures -= 1;
            return Promise.reject(new Error('database is locked'));
          };
        }
        const value = Reflect.get(target, name, self) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    startDispatcher({ store: flaky });
    await taskCallingBack(healthy.url);
    await until('the callback after two failed claims', () => healthy.hits.length === 1);
    expect(errors.map(String)).toEqual(['Error: database is locked', 'Error: database is locked']);
    errors = [];
  });
});
