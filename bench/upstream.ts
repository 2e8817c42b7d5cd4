/**
 * The upstream path (issue 11) measured on the real service: the built `inbetween serve` process, routed to the
 * fake providers of the tests (real HTTP on 127.0.0.1, written from the providers' published API pages), which
 * answer success after K polls. Each task is one `POST /model/v1/generation/sync` (create and wait), so a
 * latency is what a client sees from create to completed.
 *
 * - The path: N tasks at once on Vidu, then S one after another, its output a 13 KB MP4 (the no-copy
 *   baseline: the same path with nothing worth copying) and a 4 MiB MP4; the ratio is what copying the output
 *   in costs per task, under load and alone.
 * - The copy itself: copyOutput (address checks, size cap, MP4 check, scratch file, storage) on the 4 MiB file,
 *   against a bare loopback download of the same URL (the floor any copy has), in MiB/s.
 * - Failover: tasks one after another (more than the 1 s failure hold apart, so each meets the failing provider
 *   afresh), route `vidu,gateway`, Vidu answering 500 or refusing connections, and with its breaker open; the
 *   baseline is the route `gateway` alone in the same run.
 * Peak RSS is the server process's VmHWM after each scenario.
 * Usage: npm run bench:upstream [-- --tasks 50 --sequential 20]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { copyOutput } from '../src/backends/upstream/copy-output.js';
import type { TaskObject } from '../src/contract/index.js';
import { resolveFfmpeg } from '../src/engine/encode/resolve-ffmpeg.js';
import { parseAllowList } from '../src/media/index.js';
import { openLocalFolderStorage } from '../src/storage/index.js';
import { FakeGateway } from '../test/fakes/fake-gateway.js';
import { FakeVidu } from '../test/fakes/fake-vidu.js';
import type { FakeProvider } from '../test/fakes/fake-tasks.js';
import { keyframe, makeOutputs } from '../test/helpers/backend-service.js';
import { machineLine } from './eval-io.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '50' },
    sequential: { type: 'string', default: '20' },
  },
});
const TASKS = Number(args.tasks);
const SEQUENTIAL = Number(args.sequential);
const POLLS = 3;
const POLL_MS = 100;
const ROOT = join(import.meta.dirname, '..');
const ADMIN = 'bench-upstream-admin-token';
const KEY = 'bench-provider-key';
const MODEL = 'viduq2_pro_start_end2video';

interface Scenario {
  readonly routes: string;
  readonly env?: Record<string, string>;
  readonly vidu?: FakeVidu | string;
  readonly gateway?: FakeGateway;
  /** Tasks at once, or one after another with a gap. */
  readonly mode: { kind: 'concurrent'; tasks: number } | { kind: 'sequential'; tasks: number; gapMs: number };
}

interface Measured {
  latencies: number[];
  wallMs: number;
  peakRssMiB: number;
  failed: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startServer(dir: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      INBETWEEN_DATA_DIR: dir,
      INBETWEEN_ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'silent',
      // What is measured is the path, not the limits: one key sends everything.
      INBETWEEN_RATE_LIMIT: '1000000',
      INBETWEEN_ADDRESS_RATE_LIMIT: '1000000',
      INBETWEEN_MAX_ACTIVE_TASKS: '1000000',
      INBETWEEN_MAX_INTAKES: '256',
      INBETWEEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      INBETWEEN_UPSTREAM_POLL_INTERVAL: `${POLL_MS}ms`,
      INBETWEEN_UPSTREAM_REQUEST_TIMEOUT: '5s',
      VIDU_CONCURRENCY: String(TASKS),
      GATEWAY_CONCURRENCY: String(TASKS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function run(scenario: Scenario, body: string): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-bench-upstream-'));
  const port = 24000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const vidu = scenario.vidu;
  const env: Record<string, string> = {
    INBETWEEN_ROUTES: scenario.routes,
    ...(vidu ? { VIDU_API_KEY: KEY, VIDU_BASE_URL: typeof vidu === 'string' ? vidu : vidu.baseUrl } : {}),
    ...(scenario.gateway ? { GATEWAY_API_KEY: KEY, GATEWAY_BASE_URL: scenario.gateway.baseUrl } : {}),
    ...scenario.env,
  };
  const server = await startServer(dir, port, env);
  try {
    const made = await fetch(`${base}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', balance: '100000' }),
    });
    const { key } = (await made.json()) as { key: string };
    let failed = 0;
    const one = async (): Promise<number> => {
      const started = performance.now();
      const response = await fetch(`${base}/model/v1/generation/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
      const task = (await response.json()) as TaskObject;
      if (task.status !== 'completed') failed += 1;
      return performance.now() - started;
    };
    const started = performance.now();
    const latencies: number[] = [];
    if (scenario.mode.kind === 'concurrent') {
      latencies.push(...(await Promise.all(Array.from({ length: scenario.mode.tasks }, one))));
    } else {
      for (let i = 0; i < scenario.mode.tasks; i++) {
        latencies.push(await one());
        await sleep(scenario.mode.gapMs);
      }
    }
    const wallMs = performance.now() - started;
    return { latencies, wallMs, peakRssMiB: await peakRssMiB(server.pid!), failed };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A real H.264 MP4 of about `mib` MiB (a high bitrate over a noisy test pattern). */
async function bigMp4(mib: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-bench-mp4-'));
  try {
    const path = join(dir, 'big.mp4');
    await promisify(execFile)(resolveFfmpeg(), [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=24,noise=alls=40:allf=t'],
      ...['-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-b:v', `${mib * 4}M`],
      // Noise makes x264 overshoot an average bitrate; a cap keeps the file near the size asked for.
      ...['-maxrate', `${mib * 4}M`, '-bufsize', `${mib * 2}M`, path],
    ]);
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** MiB/s of copyOutput on `bytes` served from 127.0.0.1, and of a bare download of the same URL. */
async function copyThroughput(bytes: Buffer, times: number): Promise<{ copy: number; bare: number }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length });
    response.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/video.mp4`;
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-bench-copy-'));
  const storage = await openLocalFolderStorage({ root: dir });
  try {
    const mib = (bytes.length * times) / (1024 * 1024);
    let started = performance.now();
    for (let i = 0; i < times; i++) {
      const response = await fetch(url);
      for await (const chunk of response.body!) void chunk;
    }
    const bare = mib / ((performance.now() - started) / 1000);
    const allowList = parseAllowList(['127.0.0.1']);
    started = performance.now();
    for (let i = 0; i < times; i++) {
      await copyOutput({
        storage,
        url,
        key: `tasks/t${i}/video.mp4`,
        kind: 'video',
        maxBytes: 500 << 20,
        timeoutMs: 60_000,
        allowList,
        signal: new AbortController().signal,
      });
    }
    const copy = mib / ((performance.now() - started) / 1000);
    return { copy, bare };
  } finally {
    server.close();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const small = await makeOutputs();
const big = await bigMp4(4);
const frames = [await keyframe(0), await keyframe(4)];
const body = JSON.stringify({
  model: MODEL,
  images: frames.map((frame) => frame.uri),
  duration: 2,
  resolution: '540p',
});
const fakes: FakeProvider[] = [];
async function vidu(video: Buffer): Promise<FakeVidu> {
  const fake = await FakeVidu.start({ apiKey: KEY, video, cover: small.cover });
  fake.book.defaultTask = { polls: POLLS, credits: 8 };
  fakes.push(fake);
  return fake;
}
async function gateway(): Promise<FakeGateway> {
  const fake = await FakeGateway.start({ apiKey: KEY, ...small });
  fake.book.defaultTask = { polls: POLLS, costUsd: '0.0500' };
  fakes.push(fake);
  return fake;
}
/** A port nothing listens on: connection refused. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
const loadBefore = load();
try {
  const concurrent = { kind: 'concurrent', tasks: TASKS } as const;
  // More than the 1 s a provider that failed without Retry-After is left alone, so each task meets it afresh.
  const sequential = { kind: 'sequential', tasks: SEQUENTIAL, gapMs: 1100 } as const;
  const neverOpens = { INBETWEEN_BREAKER_THRESHOLD: '1000' };
  const failing = await vidu(small.video);
  failing.book.defaultCreate = { kind: 'error', status: 500, reason: 'InternalServiceFailure' };
  const rows: [string, Measured][] = [];
  const mib = (big.length / 1048576).toFixed(1);
  const inRow = { kind: 'sequential', tasks: SEQUENTIAL, gapMs: 0 } as const;
  // Each row names the row it is compared with (its own index for a baseline).
  const scenarios: [string, number, Scenario][] = [
    [
      `vidu, 13 KB output (no-copy baseline), ${TASKS} at once`,
      0,
      { routes: `${MODEL}=vidu`, vidu: await vidu(small.video), mode: concurrent },
    ],
    [
      `vidu, ${mib} MiB output, ${TASKS} at once`,
      0,
      { routes: `${MODEL}=vidu`, vidu: await vidu(big), mode: concurrent },
    ],
    [
      `vidu, 13 KB output (no-copy baseline), ${SEQUENTIAL} in a row`,
      2,
      { routes: `${MODEL}=vidu`, vidu: await vidu(small.video), mode: inRow },
    ],
    [
      `vidu, ${mib} MiB output, ${SEQUENTIAL} in a row`,
      2,
      { routes: `${MODEL}=vidu`, vidu: await vidu(big), mode: inRow },
    ],
    [
      `gateway alone (failover baseline), ${SEQUENTIAL} in a row`,
      4,
      { routes: `${MODEL}=gateway`, gateway: await gateway(), mode: sequential },
    ],
    [
      `vidu answers 500, then gateway, ${SEQUENTIAL} in a row`,
      4,
      {
        routes: `${MODEL}=vidu,gateway`,
        vidu: failing,
        gateway: await gateway(),
        env: neverOpens,
        mode: sequential,
      },
    ],
    [
      `vidu refuses connections, then gateway, ${SEQUENTIAL} in a row`,
      4,
      {
        routes: `${MODEL}=vidu,gateway`,
        vidu: await closedPort(),
        gateway: await gateway(),
        env: neverOpens,
        mode: sequential,
      },
    ],
    [
      `vidu's breaker open (after the 1st task), then gateway, ${SEQUENTIAL} in a row`,
      4,
      {
        routes: `${MODEL}=vidu,gateway`,
        vidu: await closedPort(),
        gateway: await gateway(),
        env: { INBETWEEN_BREAKER_THRESHOLD: '1', INBETWEEN_BREAKER_COOLDOWN: '1h' },
        mode: sequential,
      },
    ],
  ];
  for (const [name, , scenario] of scenarios) {
    const measured = await run(scenario, body);
    // The breaker row: the first task opened it; the others show the open circuit.
    if (name.startsWith("vidu's breaker")) measured.latencies.shift();
    rows.push([name, measured]);
    console.error(`${name}: median ${quantile(measured.latencies, 0.5).toFixed(0)} ms`);
  }
  const copied = await copyThroughput(big, 20);

  const median = (m: Measured) => quantile(m.latencies, 0.5);
  console.log(`${machineLine()}; load average ${loadBefore} before, ${load()} after`);
  console.log(`Fake providers answer success after ${POLLS} polls, polled every ${POLL_MS} ms.\n`);
  console.log(
    '| scenario | tasks | failed | median ms | p95 ms | vs baseline (median) | wall s | server peak RSS MiB |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  rows.forEach(([name, m], i) => {
    const against = scenarios[i][1];
    const baseline = median(rows[against][1]);
    const ratio =
      against === i
        ? 'baseline'
        : `${(median(m) / baseline).toFixed(2)}x (${median(m) >= baseline ? '+' : ''}${(median(m) - baseline).toFixed(0)} ms)`;
    console.log(
      `| ${name} | ${m.latencies.length} | ${m.failed} | ${median(m).toFixed(0)} | ${quantile(m.latencies, 0.95).toFixed(0)} | ${ratio} | ${(m.wallMs / 1000).toFixed(1)} | ${m.peakRssMiB.toFixed(0)} |`,
    );
  });
  console.log(
    `\nOutput copy, ${(big.length / 1048576).toFixed(1)} MiB x 20 one after another from 127.0.0.1: copyOutput ${copied.copy.toFixed(0)} MiB/s, bare download ${copied.bare.toFixed(0)} MiB/s (${(copied.copy / copied.bare).toFixed(2)}x)`,
  );
} finally {
  for (const fake of fakes) await fake.close();
}
