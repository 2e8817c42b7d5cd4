/**
 * What the ledger and the callback outbox cost per task: one task's life in the store (insert, claim, five
 * heartbeats, complete) on a SQLite file, this checkout against an older commit's store (before the ledger,
 * by default 0ea1f67) checked out in a temporary worktree, interleaved in one process so both see the same
 * machine. Each task has a callback URL, so this checkout also writes three outbox rows per task.
 * Usage: npm run bench:store [-- BASE_COMMIT]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine } from './eval-io.js';

interface StoreModule {
  openSqliteStore(options: { path: string }): Promise<StoreLike>;
}
// The calls both versions share; the old one lacks the money methods.
interface StoreLike {
  insertKey(key: unknown): Promise<void>;
  insertTask(task: unknown): Promise<unknown>;
  claimNextTask(options: unknown): Promise<{ id: string } | null>;
  heartbeat(id: string, owner: string, options: unknown): Promise<boolean>;
  completeTask(id: string, owner: string, output: unknown, now: Date): Promise<unknown>;
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..');
const base = process.argv[2] ?? '0ea1f67';
const TASKS = 400;
const ROUNDS = 5;

const work = mkdtempSync(join(tmpdir(), 'inbetween-store-cost-'));
const baseTree = join(work, 'base');
execFileSync('git', ['worktree', 'add', '--detach', baseTree, base], { cwd: ROOT, stdio: 'ignore' });
// The old store needs the same packages (better-sqlite3); the worktree borrows this checkout's.
symlinkSync(join(ROOT, 'node_modules'), join(baseTree, 'node_modules'));
try {
  const current = (await import(join(ROOT, 'src/store/index.ts'))) as StoreModule;
  const old = (await import(join(baseTree, 'src/store/index.ts'))) as StoreModule;
  const times: Record<'base' | 'current', number[]> = { base: [], current: [] };
  let files = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, module] of [
      ['base', old],
      ['current', current],
    ] as const) {
      files += 1;
      times[name].push(await lifeCycles(module, join(work, `db-${files}.sqlite`)));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const [b, c] = [median(times.base), median(times.current)];
  console.log(
    `store cost per task life cycle, ${machineLine()}; ${TASKS} tasks x ${ROUNDS} rounds, interleaved`,
  );
  console.log('');
  console.log('| store | us per task, median of rounds | each round |');
  console.log('|---|---|---|');
  console.log(
    `| ${base} (no ledger, no outbox) | ${b.toFixed(0)} | ${times.base.map((t) => t.toFixed(0)).join(', ')} |`,
  );
  console.log(`| this checkout | ${c.toFixed(0)} | ${times.current.map((t) => t.toFixed(0)).join(', ')} |`);
  console.log('');
  console.log(`ratio: ${(c / b).toFixed(2)}x (+${(c - b).toFixed(0)} us per task)`);
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', baseTree], { cwd: ROOT, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}

/** Microseconds per task for insert, claim, five heartbeats and complete, on a fresh file. */
async function lifeCycles(module: StoreModule, path: string): Promise<number> {
  const store = await module.openSqliteStore({ path });
  const key = {
    id: 'key_bench',
    name: 'bench',
    secretHash: 'f'.repeat(64),
    prefix: 'ib_bench',
    createdAt: new Date(0),
    revokedAt: null,
    balanceMicros: 1_000_000_000_000,
    webhookSecret: 'whsec_YmVuY2g=',
    lastUsedAt: null,
  };
  await store.insertKey(key);
  const started = performance.now();
  for (let i = 0; i < TASKS; i++) {
    const now = new Date(1_000 + i * 10);
    await store.insertTask({
      id: `task_${String(i).padStart(24, '0')}`,
      keyId: key.id,
      model: 'viduq2_pro_start_end2video',
      request: { model: 'viduq2_pro_start_end2video', prompt: 'bench', duration: 5, resolution: '720p' },
      inputKeys: [`tasks/${i}/input-0.png`],
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
      createdAt: now,
    });
    const task = await store.claimNextTask({ owner: 'w', leaseMs: 30_000, now, includeOffPeak: true });
    if (!task) throw new Error('nothing to claim');
    for (let beat = 1; beat <= 5; beat++) {
      await store.heartbeat(task.id, 'w', { leaseMs: 30_000, now, progress: beat / 6 });
    }
    await store.completeTask(
      task.id,
      'w',
      { videoKey: `tasks/${i}/video.mp4`, coverKey: null, duration: 5 },
      now,
    );
  }
  const elapsed = performance.now() - started;
  await store.close();
  return (elapsed * 1000) / TASKS;
}
