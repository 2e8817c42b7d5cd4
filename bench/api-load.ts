/**
 * API throughput and latency on loopback, with autocannon as the load tool in its own process: GET task (poll)
 * and POST create (two 1 MB images as data URIs) at 200 connections on the real service (`inbetween serve
 * --workers 0`, so no render competes), beside a bare Fastify route in the same run. The intake bound is
 * lifted to 256 so the create row measures the intake itself, not the 503s of the default bound of 8.
 * Usage: npm run build && npx tsx bench/api-load.ts
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { machineLine } from './eval-io.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');

function start(args: string[], marker: string): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(marker)) setTimeout(() => resolve({ child, out }), 500);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
  });
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Answers by HTTP status, so a non-2xx figure says what the answers were. */
  statuses: string;
}

async function load(
  url: string,
  options: { connections: number; seconds: number; headers: string[]; body?: string; timeoutS?: number },
): Promise<Load> {
  const args = [AUTOCANNON, '--json', '-c', String(options.connections), '-d', String(options.seconds)];
  args.push('-t', String(options.timeoutS ?? 10));
  for (const header of options.headers) args.push('-H', header);
  if (options.body) args.push('-m', 'POST', '-i', options.body);
  const { stdout } = await run(process.execPath, [...args, url], { maxBuffer: 64 << 20 });
  const result = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
    statusCodeStats?: Record<string, { count: number }>;
  };
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    statuses: Object.entries(result.statusCodeStats ?? {})
      .map(([status, { count }]) => `${status}: ${count}`)
      .join(', '),
  };
}

async function noiseJpeg(bytes: number): Promise<Buffer> {
  // Random pixels barely compress, so the size is steered by the pixel count.
  for (let side = 600; ; side += 40) {
    const jpeg = await sharp(randomBytes(side * side * 3), {
      raw: { width: side, height: side, channels: 3 },
    })
      .jpeg({ quality: 92 })
      .toBuffer();
    if (jpeg.length >= bytes) return jpeg;
  }
}

const dir = await mkdtemp(join(tmpdir(), 'inbetween-load-'));
const port = 23000 + Math.floor(Math.random() * 1000);
const barePort = port + 1;
const children: ChildProcess[] = [];
try {
  const service = await start(
    [
      'dist/cli/main.js',
      'serve',
      '--data-dir',
      dir,
      '--port',
      String(port),
      '--workers',
      '0',
      '--log-level',
      'silent',
      // Throughput, not the limits, is measured: one key makes every request, so the per-key rate, active-task
      // and queue limits are lifted (they are measured by their own tests).
      '--rate-limit',
      '1000000',
      '--max-active-tasks',
      '1000000',
      '--max-queue',
      '100000000',
      // One client address makes every request too.
      '--address-rate-limit',
      '1000000',
      '--max-intakes',
      '256',
    ],
    'API key',
  );
  children.push(service.child);
  const bare = await start(['--import', 'tsx', 'bench/bare-server.ts', String(barePort)], 'listening');
  children.push(bare.child);
  const key = /API key \(shown once\): (\S+)/.exec(service.out)![1];
  const auth = `Authorization=Bearer ${key}`.replace('=', ': ');
  const [a, b] = [await noiseJpeg(1 << 20), await noiseJpeg(1 << 20)];
  const body = JSON.stringify({
    model: 'viduq2_pro_start_end2video',
    images: [
      `data:image/jpeg;base64,${a.toString('base64')}`,
      `data:image/jpeg;base64,${b.toString('base64')}`,
    ],
    duration: 5,
  });
  const bodyPath = join(dir, 'body.json');
  await writeFile(bodyPath, body);
  const created = await fetch(`http://127.0.0.1:${port}/model/v1/generation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
  const { id } = (await created.json()) as { id: string };

  const rows: Array<[string, number, Load]> = [];
  rows.push([
    'bare Fastify GET /ping',
    200,
    await load(`http://127.0.0.1:${barePort}/ping`, { connections: 200, seconds: 10, headers: [] }),
  ]);
  rows.push([
    'GET /model/v1/generation/task/{id}',
    200,
    await load(`http://127.0.0.1:${port}/model/v1/generation/task/${id}`, {
      connections: 200,
      seconds: 10,
      headers: [auth],
    }),
  ]);
  rows.push([
    'POST /model/v1/generation (2 x 1 MB data URIs), --max-intakes 256',
    200,
    await load(`http://127.0.0.1:${port}/model/v1/generation`, {
      connections: 200,
      seconds: 30,
      headers: [auth, 'content-type: application/json'],
      body: bodyPath,
      // 200 creates of 3 MB each queue behind two cores: a create waits far longer than autocannon's 10 s.
      timeoutS: 120,
    }),
  ]);
  console.log(
    `API load on loopback, autocannon 9, ${machineLine()}; create body ${(body.length / 1e6).toFixed(2)} MB\n`,
  );
  console.log('| endpoint | connections | req/s | p50 ms | p99 ms | errors | non-2xx | answers by status |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, connections, r] of rows) {
    console.log(
      `| ${name} | ${connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${r.statuses} |`,
    );
  }
  console.log(`\npoll throughput / bare route: ${((rows[1][2].rps / rows[0][2].rps) * 100).toFixed(0)}%`);
} finally {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve(null);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  await rm(dir, { recursive: true, force: true });
}
