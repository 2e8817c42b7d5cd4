// Chaos: 100 tasks with callbacks while the real `inbetween serve` process is killed with SIGKILL at 5 random
// moments and restarted. Tiny renders (540p, 1 s, from small generated images). A seeded random picks the kill
// moments and the pauses, so a failing run can be replayed: `npm run bench:chaos -- --seed 7`.
//
// Checked at the end: no task lost (every create answered, after retries under its Idempotency-Key, and the
// key lists exactly those tasks) or stuck (all final); no double charge (one hold per task, at most one charge
// or refund, spent = completed costs); the ledger audit balanced; every status change in the outbox delivered,
// each received at least once under its webhook-id, and every copy of one webhook-id the same bytes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { TaskObject } from '../src/contract/index.js';
import { seededRandom } from '../src/engine/seed.js';
import { drawRgb, textureAt } from '../test/helpers/synthetic.js';

const { values: args } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, tasks: { type: 'string', default: '100' } },
});
const SEED = Number(args.seed);
const TASKS = Number(args.tasks);
const KILLS = 5;
const ADMIN = 'chaos-admin-token';
const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const random = seededRandom(SEED);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The receiver stays up the whole run: it is the service's crashes that are measured, not the receiver's.
const hits: { id: string; body: string; taskId: string; status: string }[] = [];
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const task = JSON.parse(body) as TaskObject;
    hits.push({ id: String(request.headers['webhook-id']), body, taskId: task.id, status: task.status });
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const dir = await mkdtemp(join(tmpdir(), 'inbetween-chaos-'));
const port = 23000 + Math.floor(random() * 2000);
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess | null = null;

async function start(): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', String(port)],
    {
      env: {
        ...process.env,
        INBETWEEN_ADMIN_TOKEN: ADMIN,
        INBETWEEN_LEASE_DURATION: '3s',
        // Five kills may interrupt one task's render more than the default three times; the figure is about
        // losing nothing, and a task failed by its attempts would still be counted below.
        INBETWEEN_MAX_ATTEMPTS: '10',
        INBETWEEN_MAX_ACTIVE_TASKS: String(TASKS * 2),
        INBETWEEN_RATE_LIMIT: '500',
        INBETWEEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
        INBETWEEN_WORKERS: '2',
        INBETWEEN_RENDER_THREADS: '2',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  server = child;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${out}`)));
  });
}

async function kill(): Promise<void> {
  const child = server!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function call<T>(path: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function png(shift: number): Promise<string> {
  const texture = textureAt(SEED);
  const image = drawRgb(96, 54, (x, y, c) => texture(x - shift, y, c));
  const bytes = await sharp(image.data, { raw: { width: 96, height: 54, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

const began = performance.now();
await start();
const { body: made } = await call<{ id: string; key: string }>('/admin/v1/keys', ADMIN, {
  name: 'chaos',
  balance: '100',
});
const images = [await png(0), await png(4)];

// Each create is retried under its own Idempotency-Key until it is answered; a kill mid-create must neither lose
// the task nor make a second one.
const taskIds = new Array<string>(TASKS);
let createRetries = 0;
async function createTask(i: number): Promise<void> {
  for (;;) {
    try {
      const answer = await call<TaskObject>(
        '/model/v1/generation',
        made.key,
        {
          model: 'viduq2_pro_start_end2video',
          images,
          duration: 1,
          resolution: '540p',
          callback_url: hook,
          seed: i + 1,
        },
        { 'idempotency-key': `chaos-${SEED}-${i}` },
      );
      if (answer.status === 200) {
        taskIds[i] = answer.body.id;
        return;
      }
      throw new Error(`create ${i} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('create ')) throw error;
      createRetries += 1;
      await sleep(300);
    }
  }
}

async function finalCount(): Promise<number> {
  try {
    let final = 0;
    let cursor: string | null = null;
    do {
      const query: string = `/model/v1/generation/tasks?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call<{ tasks: TaskObject[]; next_cursor: string | null }>(query, made.key);
      final += page.body.tasks.filter((t) => ['completed', 'failed', 'cancelled'].includes(t.status)).length;
      cursor = page.body.next_cursor;
    } while (cursor);
    return final;
  } catch {
    return -1; // the server is down at this moment
  }
}

// Kill moments: five distinct points on the run's progress (creates answered plus tasks finished, 0..2N),
// each with a random pause before the kill and a random downtime after it.
const marks = new Set<number>();
while (marks.size < KILLS) marks.add(5 + Math.floor(random() * (2 * TASKS - 15)));
const killAt = [...marks].sort((a, b) => a - b);
const plan = killAt.map((mark) => ({
  mark,
  pauseMs: Math.floor(random() * 800),
  downMs: Math.floor(random() * 1500),
}));

let created = 0;
const creating = (async () => {
  for (let i = 0; i < TASKS; i++) {
    await createTask(i);
    created += 1;
    await sleep(Math.floor(random() * 150));
  }
})();

const kills: { mark: number; atS: number; progress: number }[] = [];
let finished = 0;
for (const step of plan) {
  for (;;) {
    const count = await finalCount();
    if (count >= 0) finished = count;
    // At least two steps of progress since the last restart, so no two kills hit the same moment.
    if (created + finished >= Math.max(step.mark, (kills.at(-1)?.progress ?? 0) + 2)) break;
    await sleep(100);
  }
  await sleep(step.pauseMs);
  kills.push({ mark: step.mark, atS: (performance.now() - began) / 1000, progress: created + finished });
  await kill();
  await sleep(step.downMs);
  await start();
}
await creating;

// Everything settles: every task final, every callback delivered (a delivery cut off by a kill waits for its
// lease to run out, about 25 s, then goes again).
const deadline = Date.now() + 15 * 60_000;
while ((await finalCount()) < TASKS && Date.now() < deadline) await sleep(500);
interface Callback {
  webhook_id: string;
  event: string;
  state: string;
}
async function callbacksOf(id: string): Promise<Callback[]> {
  return (await call<{ callbacks: Callback[] }>(`/model/v1/generation/task/${id}/callbacks`, made.key)).body
    .callbacks;
}
let outbox: Map<string, Callback[]>;
for (;;) {
  outbox = new Map(await Promise.all(taskIds.map(async (id) => [id, await callbacksOf(id)] as const)));
  const pending = [...outbox.values()].flat().filter((entry) => entry.state !== 'delivered').length;
  if (pending === 0 || Date.now() > deadline) break;
  await sleep(1000);
}
const wallS = (performance.now() - began) / 1000;

// The figures.
const listed: TaskObject[] = [];
let cursor: string | null = null;
do {
  const query: string = `/model/v1/generation/tasks?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
  const page = await call<{ tasks: TaskObject[]; next_cursor: string | null }>(query, made.key);
  listed.push(...page.body.tasks);
  cursor = page.body.next_cursor;
} while (cursor);
const byStatus: Record<string, number> = {};
for (const task of listed) byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
const lost = taskIds.filter((id) => !listed.some((task) => task.id === id)).length;
const extra = listed.filter((task) => !taskIds.includes(task.id)).length;
const stuck = listed.filter((task) => task.status === 'pending' || task.status === 'processing').length;

const usage = (
  await call<{ spent: string; balance: string; ledger: { kind: string; task_id: string | null }[] }>(
    `/admin/v1/keys/${made.id}/usage?limit=500`,
    ADMIN,
  )
).body;
const perTask = new Map<string, Record<string, number>>();
for (const entry of usage.ledger) {
  if (!entry.task_id) continue;
  const kinds = perTask.get(entry.task_id) ?? {};
  kinds[entry.kind] = (kinds[entry.kind] ?? 0) + 1;
  perTask.set(entry.task_id, kinds);
}
const doubleCharges = [...perTask.values()].filter(
  (k) => (k.hold ?? 0) !== 1 || (k.charge ?? 0) + (k.refund ?? 0) > 1,
).length;
const completed = byStatus.completed ?? 0;
const spentOk = usage.spent === (completed * 0.065).toFixed(4);
const audit = (await call<{ balanced: boolean; problems: string[] }>('/admin/v1/ledger/audit', ADMIN)).body;

const changes = [...outbox.values()].flat();
const undelivered = changes.filter((entry) => entry.state !== 'delivered').length;
const hitIds = new Map<string, Set<string>>();
for (const hit of hits) hitIds.set(hit.id, (hitIds.get(hit.id) ?? new Set()).add(hit.body));
const neverReceived = changes.filter((entry) => !hitIds.has(entry.webhook_id)).length;
const unstable = [...hitIds.values()].filter((bodies) => bodies.size > 1).length;
const wrongStatus = changes.filter((entry) =>
  hits.some((hit) => hit.id === entry.webhook_id && hit.status !== entry.event),
).length;
const missingFinal = taskIds.filter((id) => {
  const final = listed.find((task) => task.id === id)?.status;
  return !hits.some((hit) => hit.taskId === id && hit.status === final);
}).length;

await kill();
receiver.close();
await rm(dir, { recursive: true, force: true });

const rows: [string, string][] = [
  ['seed', String(SEED)],
  ['tasks created (answered)', `${taskIds.filter(Boolean).length} of ${TASKS}`],
  [
    'SIGKILLs and restarts',
    `${kills.length} (at progress ${kills.map((k) => k.progress).join(', ')} of ${2 * TASKS}; at ${kills.map((k) => k.atS.toFixed(0)).join(', ')} s)`,
  ],
  ['create calls refused or cut off by a kill, then retried', String(createRetries)],
  [
    'final statuses',
    Object.entries(byStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(', '),
  ],
  ['tasks lost / extra / stuck', `${lost} / ${extra} / ${stuck}`],
  ['tasks with a double hold, charge or refund', String(doubleCharges)],
  ['spent = completed x 0.0650', `${spentOk ? 'yes' : 'NO'} (${usage.spent})`],
  ['ledger audit', audit.balanced ? 'balanced' : `NOT balanced: ${audit.problems.join('; ')}`],
  ['status changes (outbox)', String(changes.length)],
  ['not delivered / never received / wrong status', `${undelivered} / ${neverReceived} / ${wrongStatus}`],
  ['tasks whose final status was not received', String(missingFinal)],
  ['callbacks received / redeliveries', `${hits.length} / ${hits.length - hitIds.size}`],
  ['webhook-ids with differing bodies', String(unstable)],
  ['wall time', `${wallS.toFixed(0)} s`],
];
console.log('| figure | value |\n| --- | --- |');
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
const ok =
  lost === 0 &&
  extra === 0 &&
  stuck === 0 &&
  doubleCharges === 0 &&
  spentOk &&
  audit.balanced &&
  undelivered === 0 &&
  neverReceived === 0 &&
  wrongStatus === 0 &&
  missingFinal === 0 &&
  unstable === 0 &&
  kills.length === KILLS;
console.log(ok ? 'chaos: all checks held' : 'chaos: CHECKS FAILED');
process.exitCode = ok ? 0 : 1;
