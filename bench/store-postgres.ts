/**
 * The PostgreSQL store beside the SQLite one, in one process on the same machine: (1) one task's life (insert,
 * claim, five heartbeats, complete) run one after another, microseconds per task; (2) four workers, each with a
 * store of its own (a pool, as separate processes would have), claiming and completing 4 x N tasks at once, tasks
 * per second; (3) what the in-transaction limit checks add to an insert. Rounds interleave SQLite and PostgreSQL.
 * Needs PostgreSQL at INBETWEEN_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); it creates
 * a database and drops it afterwards. Usage: npx tsx bench/store-postgres.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore, openSqliteStore, type InsertLimits, type TaskStore } from '../src/store/index.js';
import { createTestDatabase, freshSchema } from '../src/store/postgres/pg-test-database.js';
import { machineLine } from './eval-io.js';

const TASKS = 200;
const ROUNDS = 3;
const WORKERS = 4;

const KEY = {
  id: 'key_bench',
  name: 'bench',
  secretHash: 'f'.repeat(64),
  prefix: 'ib_bench',
  createdAt: new Date(0),
  revokedAt: null,
  balanceMicros: 1_000_000_000_000,
  webhookSecret: 'whsec_YmVuY2g=',
  lastUsedAt: null,
  previousWebhookSecret: null,
};

let ids = 0;
function newTask(now: Date) {
  ids += 1;
  return {
    id: `task_${String(ids).padStart(24, '0')}`,
    keyId: KEY.id,
    model: 'viduq2_pro_start_end2video',
    request: {
      model: 'viduq2_pro_start_end2video',
      prompt: 'bench',
      duration: 5,
      resolution: '720p',
    } as never,
    inputKeys: [`tasks/${ids}/input-0.png`],
    seed: 1,
    width: 1280,
    height: 720,
    fps: 24,
    frames: 120,
    durationSeconds: 5,
    costMicros: 325_000,
    discount: 1,
    offPeak: false,
    callbackUrl: 'https://hooks.example.com/inbetween',
    callbackSigningKey: null,
    createdAt: now,
  };
}

async function runTask(store: TaskStore, owner: string, now: Date): Promise<boolean> {
  const task = await store.claimNextTask({ owner, leaseMs: 30_000, now, includeOffPeak: true });
  if (!task) return false;
  for (let beat = 1; beat <= 5; beat++) {
    await store.heartbeat(task.id, owner, { leaseMs: 30_000, now, progress: beat / 6 });
  }
  await store.completeTask(
    task.id,
    owner,
    { videoKey: `out/${task.id}.mp4`, coverKey: null, duration: 5 },
    now,
  );
  return true;
}

/** Microseconds per task for insert, claim, five heartbeats and complete, one task after another. */
async function lifeCycles(open: () => Promise<TaskStore>): Promise<number> {
  const store = await open();
  await store.insertKey(KEY);
  const started = performance.now();
  for (let i = 0; i < TASKS; i++) {
    const now = new Date(1_000 + i * 10);
    await store.insertTask(newTask(now));
    if (!(await runTask(store, 'w', now))) throw new Error('nothing to claim');
  }
  const elapsed = performance.now() - started;
  await store.close();
  return (elapsed * 1000) / TASKS;
}

/** Tasks per second when WORKERS stores drain WORKERS x TASKS pending tasks together. */
async function parallelWorkers(open: () => Promise<TaskStore>): Promise<number> {
  const seeder = await open();
  await seeder.insertKey(KEY);
  for (let i = 0; i < WORKERS * TASKS; i++) await seeder.insertTask(newTask(new Date(1_000 + i)));
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => open()));
  const started = performance.now();
  const done = await Promise.all(
    workers.map(async (store, n) => {
      let count = 0;
      while (await runTask(store, `w${n}`, new Date(1e9))) count += 1;
      return count;
    }),
  );
  const elapsed = performance.now() - started;
  if (done.reduce((a, b) => a + b, 0) !== WORKERS * TASKS) throw new Error(`completed ${done.join('+')}`);
  await Promise.all([seeder, ...workers].map((store) => store.close()));
  return (WORKERS * TASKS * 1000) / elapsed;
}

/** Milliseconds for TASKS inserts, one after another, with the given limits. */
async function inserts(open: () => Promise<TaskStore>, limits: InsertLimits): Promise<number> {
  const store = await open();
  if (!(await store.getKey(KEY.id))) await store.insertKey(KEY);
  const started = performance.now();
  for (let i = 0; i < TASKS; i++) await store.insertTask(newTask(new Date(1_000 + i)), { limits });
  const elapsed = performance.now() - started;
  await store.close();
  return elapsed;
}

// Last, so that every constant above is initialised before the rounds start.
const work = mkdtempSync(join(tmpdir(), 'inbetween-store-pg-'));
const database = await createTestDatabase();
const asyncDatabase = await createTestDatabase();
await (async () => {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: asyncDatabase.url });
  await client.connect();
  await client.query(
    `ALTER DATABASE ${new URL(asyncDatabase.url).pathname.slice(1)} SET synchronous_commit = off`,
  );
  await client.end();
})();
let files = 0;

type Kind = 'sqlite' | 'postgres' | 'postgresAsync';
const openers: Record<Kind, () => Promise<() => Promise<TaskStore>>> = {
  // A file shared by every connection of the round, as worker processes on one machine share it.
  sqlite: () => {
    files += 1;
    const path = join(work, `bench-${files}.db`);
    return Promise.resolve(() => openSqliteStore({ path }));
  },
  postgres: () => {
    const schema = freshSchema();
    return Promise.resolve(() => openPostgresStore(database.url, { schema, maxConnections: 4 }));
  },
  // synchronous_commit off: a crash may lose the last commits but never corrupts, like SQLite's WAL with
  // synchronous NORMAL, which the SQLite store runs. Shows what the per-commit flush costs.
  postgresAsync: () => {
    const schema = freshSchema();
    return Promise.resolve(() => openPostgresStore(asyncDatabase.url, { schema, maxConnections: 4 }));
  },
};

try {
  const life: Record<Kind, number[]> = { sqlite: [], postgres: [], postgresAsync: [] };
  const parallel: Record<Kind, number[]> = { sqlite: [], postgres: [], postgresAsync: [] };
  const limited: Record<Kind, number[]> = { sqlite: [], postgres: [], postgresAsync: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['sqlite', 'postgres', 'postgresAsync'] as const) {
      life[kind].push(await lifeCycles(await openers[kind]()));
      parallel[kind].push(await parallelWorkers(await openers[kind]()));
      const open = await openers[kind]();
      limited[kind].push(
        (await inserts(open, { maxActiveTasks: 1e6, maxQueue: 1e6 })) / (await inserts(open, {})),
      );
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const row = (label: string, values: number[], digits = 0) =>
    `| ${label} | ${median(values).toFixed(digits)} | ${values.map((v) => v.toFixed(digits)).join(', ')} |`;
  console.log(`PostgreSQL store beside SQLite, ${machineLine()}; ${ROUNDS} rounds, interleaved`);
  console.log('');
  console.log('| measure | median | each round |');
  console.log('|---|---|---|');
  console.log(row(`SQLite file: us per task life, one after another (${TASKS} tasks)`, life.sqlite));
  console.log(row(`PostgreSQL: us per task life, one after another (${TASKS} tasks)`, life.postgres));
  console.log(row(`SQLite file: tasks/s, ${WORKERS} workers with own connections`, parallel.sqlite));
  console.log(row(`PostgreSQL: tasks/s, ${WORKERS} workers with own pools`, parallel.postgres));
  console.log(row(`PostgreSQL, synchronous_commit off: us per task life`, life.postgresAsync));
  console.log(row(`PostgreSQL, synchronous_commit off: tasks/s, ${WORKERS} workers`, parallel.postgresAsync));
  console.log(row('SQLite: insert with limit checks / without', limited.sqlite, 2));
  console.log(row('PostgreSQL: insert with limit checks / without', limited.postgres, 2));
  console.log(
    row('PostgreSQL, synchronous_commit off: insert with limit checks / without', limited.postgresAsync, 2),
  );
  console.log('');
  console.log(
    `ratios PostgreSQL / SQLite: life ${(median(life.postgres) / median(life.sqlite)).toFixed(2)}x, ` +
      `parallel throughput ${(median(parallel.postgres) / median(parallel.sqlite)).toFixed(2)}x; ` +
      `with synchronous_commit off: life ${(median(life.postgresAsync) / median(life.sqlite)).toFixed(2)}x, ` +
      `parallel ${(median(parallel.postgresAsync) / median(parallel.sqlite)).toFixed(2)}x`,
  );
} finally {
  await database.drop();
  await asyncDatabase.drop();
  rmSync(work, { recursive: true, force: true });
}
