import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

let dir: string;
let child: ChildProcess | null = null;

/** `inbetween serve` as its own process on a free port; resolves with its base URL and first key. */
function startServer(): Promise<{ base: string; key: string }> {
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', '0', '--workers', '0'],
    { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = server;
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const base = /listening on (\S+)/.exec(out)?.[1];
      const key = /API key \(shown once\): (\S+)/.exec(out)?.[1];
      if (base && key) resolve({ base, key });
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-shutdown-'));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('ends an open event stream and exits, instead of waiting for the stream forever', async () => {
    const { base, key } = await startServer();
    const image = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#404040' } })
      .png()
      .toBuffer();
    const created = await fetch(`${base}/model/v1/generation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'viduq2_pro_start_end2video',
        images: [`data:image/png;base64,${image.toString('base64')}`],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    // No worker runs, so the task stays pending and its stream stays open until something ends it.
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`${base}/model/v1/generation/task/${id}/stream`, { headers: { authorization: `Bearer ${key}` } })
        .on('response', resolve)
        .on('error', reject);
    });
    expect(stream.statusCode).toBe(200);
    let received = '';
    const ended = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => (received += chunk.toString()));
      stream.on('end', resolve);
      stream.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const check = () => (received.includes('event: progress') ? resolve() : setTimeout(check, 50));
      check();
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    await ended;
    expect(await exited).toBe(0);
    // It stopped accepting: nothing listens any more.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 60_000);
});
