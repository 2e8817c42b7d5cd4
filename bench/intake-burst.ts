/**
 * Peak memory of the service under a burst of 100 simultaneous creates whose two images are large URLs, with the
 * intake bound (`--max-intakes 8`, the default) and without one (`--max-intakes 10000`), in the same run. The
 * server's peak RSS is read from /proc (VmHWM) once the burst is answered.
 * Usage: npx tsx bench/intake-burst.ts [image MB, default 8]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { machineLine } from './eval-io.js';

const ROOT = join(import.meta.dirname, '..');
const BURST = 100;
const imageMb = Number(process.argv[2] ?? 8);

async function noiseJpeg(bytes: number): Promise<Buffer> {
  // Random pixels barely compress, so the size follows the pixel count.
  let side = Math.round(Math.sqrt(bytes / 2.2));
  for (;;) {
    const jpeg = await sharp(randomBytes(side * side * 3), {
      raw: { width: side, height: side, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    if (jpeg.length >= bytes) return jpeg;
    side = Math.ceil(side * 1.05);
  }
}

function serveImages(images: Buffer[]): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const image = images[Number(/\/(\d)\.jpg$/.exec(request.url ?? '')?.[1] ?? 9)];
    if (!image) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length }).end(image);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function startService(
  dir: string,
  maxIntakes: number,
): Promise<{ child: ChildProcess; base: string; key: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      ...['--data-dir', dir, '--port', '0', '--workers', '0', '--log-level', 'silent'],
      ...['--max-intakes', String(maxIntakes), '--allow-private-hosts', '127.0.0.1'],
      ...['--rate-limit', '1000000', '--address-rate-limit', '1000000', '--max-active-tasks', '1000000'],
      ...['--fetch-timeout', '120s'],
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const base = /listening on (\S+)/.exec(out)?.[1];
      const key = /API key \(shown once\): (\S+)/.exec(out)?.[1];
      if (base && key) resolve({ child, base, key });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function burst(maxIntakes: number, imageOrigin: string) {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-burst-'));
  const { child, base, key } = await startService(dir, maxIntakes);
  try {
    const idle = await peakRssMiB(child.pid!);
    const body = JSON.stringify({
      model: 'viduq2_pro_start_end2video',
      images: [`${imageOrigin}/0.jpg`, `${imageOrigin}/1.jpg`],
      duration: 5,
    });
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: BURST }, () =>
        fetch(`${base}/model/v1/generation`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const count = (status: number) => statuses.filter((s) => s === status).length;
    return {
      maxIntakes,
      idle,
      peak: await peakRssMiB(child.pid!),
      ok: count(200),
      busy: count(503),
      other: BURST - count(200) - count(503),
      seconds,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

const images = [await noiseJpeg(imageMb * 1e6), await noiseJpeg(imageMb * 1e6)];
const server = await serveImages(images);
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
try {
  const rows = [await burst(8, origin), await burst(10_000, origin)];
  console.log(
    `Burst of ${BURST} creates, two URL images of ${(images[0].length / 1e6).toFixed(1)} MB each, ${machineLine()}\n`,
  );
  console.log('| --max-intakes | idle RSS MiB | peak RSS MiB | 200 | 503 server_busy | other | seconds |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.maxIntakes} | ${r.idle.toFixed(0)} | ${r.peak.toFixed(0)} | ${r.ok} | ${r.busy} | ${r.other} | ${r.seconds.toFixed(1)} |`,
    );
  }
  console.log(`\npeak RSS bounded / unbounded: ${((rows[0].peak / rows[1].peak) * 100).toFixed(0)}%`);
} finally {
  server.close();
}
