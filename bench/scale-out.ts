/**
 * Scale-out figures, all in one run so they compare: GET task polls per second on 1 and on 2 API processes on one
 * PostgreSQL (autocannon in its own process per API process), and create-to-claim latency through pg-boss (one
 * `inbetween worker`, each task cancelled once claimed so no render competes), beside the same on the SQLite
 * default (`serve --workers 0` and a worker sharing the data folder). Needs PostgreSQL at
 * INBETWEEN_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); creates and drops its own
 * database. Usage: npx tsx bench/scale-out.ts
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';

import { createTestDatabase } from '../src/store/postgres/pg-test-database.js';
import { startInbetween, type InbetweenProcess } from '../test/helpers/inbetween-process.js';
import { machineLine } from './eval-io.js';

const run = promisify(execFile);
const AUTOCANNON = join(import.meta.dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');
const ADMIN = 'bench-admin-token-0123456789abcdef';
const CLAIMS = 15;

async function pollRate(urls: string[], key: string): Promise<number> {
  // One autocannon per API process at once: the sum is what the deployment served.
  const results = await Promise.all(
    urls.map((url) =>
      run(
        process.execPath,
        [AUTOCANNON, '--json', '-c', '50', '-d', '10', '-H', `authorization: Bearer ${key}`, url],
        { maxBuffer: 64 << 20 },
      ),
    ),
  );
  return results.reduce(
    (sum, { stdout }) => sum + (JSON.parse(stdout) as { requests: { average: number } }).requests.average,
    0,
  );
}

async function api<T>(base: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(base + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Creates, waits until a worker claimed it, cancels; answers create-to-claim milliseconds, median and worst. */
async function claimLatency(
  base: string,
  key: string,
  image: string,
): Promise<{ median: number; max: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const sent = performance.now();
    const task = await api<{ id: string }>(base, '/model/v1/generation', key, {
      model: 'viduq2_pro_start_end2video',
      images: [image],
      duration: 1,
      resolution: '540p',
    });
    for (;;) {
      const now = await api<{ status: string }>(base, `/model/v1/generation/task/${task.id}`, key);
      if (now.status !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    latencies.push(performance.now() - sent);
    await api(base, `/model/v1/generation/task/${task.id}/cancel`, key, {});
    // Let the worker's aborted render wind down before the next create, so each claim finds an idle worker.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
  latencies.sort((a, b) => a - b);
  return { median: latencies[Math.floor(latencies.length / 2)], max: latencies.at(-1)! };
}

const children: InbetweenProcess[] = [];
const dataDir = await mkdtemp(join(tmpdir(), 'inbetween-bench-scale-'));
const database = await createTestDatabase();
const png = await sharp({ create: { width: 96, height: 54, channels: 3, background: '#3070a0' } })
  .png()
  .toBuffer();
const image = `data:image/png;base64,${png.toString('base64')}`;
const common = {
  INBETWEEN_ADMIN_TOKEN: ADMIN,
  INBETWEEN_FILE_URL_SECRET: 'bench-file-secret-0123456789abcdef0123',
  INBETWEEN_RATE_LIMIT: '1000000',
  INBETWEEN_MAX_ACTIVE_TASKS: '1000000',
  LOG_LEVEL: 'silent',
};
const apiReady = /listening on (http:\/\/\S+)\n[\s\S]*--workers 0/;
const workerReady = /inbetween worker \S+ rendering[^\n]*\n/;
try {
  const rows: string[] = [];
  // PostgreSQL: two API processes and one worker.
  const pgEnv = { ...common, DATABASE_URL: database.url, INBETWEEN_DATA_DIR: join(dataDir, 'pg') };
  const first = await startInbetween(['serve', '--workers', '0', '--port', '0'], pgEnv, apiReady);
  const second = await startInbetween(['serve', '--workers', '0', '--port', '0'], pgEnv, apiReady);
  const pgWorker = await startInbetween(
    ['worker', '--health-port', '0', '--render-threads', '1'],
    pgEnv,
    workerReady,
  );
  children.push(first.process, second.process, pgWorker.process);
  const [a, b] = [first.match[1], second.match[1]];
  const { key } = await api<{ key: string }>(a, '/admin/v1/keys', ADMIN, { name: 'bench' });
  const claimPg = await claimLatency(a, key, image);
  await pgWorker.process.kill();
  const polled = await api<{ id: string }>(a, '/model/v1/generation', key, {
    model: 'viduq2_pro_start_end2video',
    images: [image],
    off_peak: true,
  });
  // The worker went first, so the polled task stays pending (a running one costs the same per poll, but its
  // render would take the CPU the API processes are measured on).
  const path = `/model/v1/generation/task/${polled.id}`;
  const onePg = await pollRate([a + path], key);
  const twoPg = await pollRate([a + path, b + path], key);
  await Promise.all(children.splice(0).map((child) => child.kill()));

  // SQLite: one API process and one worker on the same data folder.
  const sqliteEnv = { ...common, INBETWEEN_DATA_DIR: join(dataDir, 'sqlite') };
  const sqliteApi = await startInbetween(['serve', '--workers', '0', '--port', '0'], sqliteEnv, apiReady);
  const sqliteWorker = await startInbetween(
    ['worker', '--health-port', '0', '--render-threads', '1'],
    sqliteEnv,
    workerReady,
  );
  children.push(sqliteApi.process, sqliteWorker.process);
  const base = sqliteApi.match[1];
  const sqliteKey = await api<{ key: string }>(base, '/admin/v1/keys', ADMIN, { name: 'bench' });
  const claimSqlite = await claimLatency(base, sqliteKey.key, image);
  await sqliteWorker.process.kill();
  const sqliteTask = await api<{ id: string }>(base, '/model/v1/generation', sqliteKey.key, {
    model: 'viduq2_pro_start_end2video',
    images: [image],
    off_peak: true,
  });
  const oneSqlite = await pollRate([`${base}/model/v1/generation/task/${sqliteTask.id}`], sqliteKey.key);

  rows.push(
    '| store | API processes | GET task polls/s | vs 1 process | create-to-claim median ms | worst ms |',
    '| --- | --- | --- | --- | --- | --- |',
    `| PostgreSQL + pg-boss | 1 | ${onePg.toFixed(0)} | 1.00x | ${claimPg.median.toFixed(0)} | ${claimPg.max.toFixed(0)} |`,
    `| PostgreSQL + pg-boss | 2 | ${twoPg.toFixed(0)} | ${(twoPg / onePg).toFixed(2)}x | | |`,
    `| SQLite (shared data folder) | 1 | ${oneSqlite.toFixed(0)} | ${(oneSqlite / onePg).toFixed(2)}x of PostgreSQL | ${claimSqlite.median.toFixed(0)} | ${claimSqlite.max.toFixed(0)} |`,
  );
  console.log(`${machineLine()}; ${CLAIMS} claims each; polls: 50 connections x 10 s per API process\n`);
  console.log(rows.join('\n'));
} finally {
  await Promise.all(children.map((child) => child.kill()));
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
}
