import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackReceiver, type CallbackReceiver, type Delivery } from './helpers/callback-receiver.js';
import { pollUntil } from './helpers/poll-until.js';

// Both dialects against the real `inbetween serve` process, configured the way an operator would: a price table
// file and a credits rate. A client of the hosted gateway and a client of Vidu's API each create a task and wait
// for the video; the Vidu client's callback is checked with Vidu's signing string.

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const PORT = 23000 + Math.floor(Math.random() * 2000);
const BASE = `http://127.0.0.1:${PORT}`;

let dir: string;
let child: ChildProcess | null = null;
let receiver: CallbackReceiver;
let hookUrl: string;
/** What the receiver got, in order (its live list). */
let hooks: readonly Delivery[];

const PRICES = {
  updated_at: '2026-11-30T12:00:00Z',
  resolutions: {
    '540p': { base: '0.10', per_second: '0.10' },
    '720p': { base: '0.20', per_second: '0.10' },
    '1080p': { base: '0.40', per_second: '0.20' },
  },
  is_rec: '0.05',
  off_peak_discount: 0.5,
};

function serve(extraEnv: Record<string, string>): Promise<{ out: string; exit: Promise<number | null> }> {
  const started = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', String(PORT)],
    {
      env: { ...process.env, LOG_LEVEL: 'warn', INBETWEEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = started;
  const exit = new Promise<number | null>((resolve) => started.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
      // The first key is printed right after the listening line.
      if (/API key \(shown once\): \S+\n/.test(out)) resolve({ out, exit });
    };
    started.stdout.on('data', collect);
    started.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exit.then((code) => reject(Object.assign(new Error(`server exited with ${code}`), { out })));
  });
}

/** The members of the two dialects' answers this test reads. */
interface Answer {
  status?: string;
  state?: string;
  data?: Record<string, unknown>;
  output?: { content: { duration: string }[] }[];
  completed_at?: unknown;
  task_id?: string;
  creations?: { url: string }[];
  tasks?: { id: string }[];
}

async function call(
  path: string,
  authorization: string,
  body?: unknown,
): Promise<{ status: number; json: Answer }> {
  const response = await fetch(BASE + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Answer };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-dialects-'));
  receiver = await startCallbackReceiver();
  hooks = receiver.deliveries;
  hookUrl = `${receiver.origin}/hooks/vidu?tenant=7`;
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('inbetween serve, both dialects', () => {
  it('refuses to start with a price table it cannot honour, naming the setting', async () => {
    const bad = join(dir, 'bad-prices.json');
    await writeFile(bad, JSON.stringify({ ...PRICES, resolutions: { '540p': PRICES.resolutions['540p'] } }));
    const failed = await serve({ INBETWEEN_PRICE_TABLE: bad }).catch((error: { out: string }) => error);
    expect('out' in failed ? failed.out : '').toMatch(/INBETWEEN_PRICE_TABLE.*resolutions\.720p/);
  }, 60_000);

  it('serves a hosted-API client and a Vidu client from the same process', async () => {
    const prices = join(dir, 'prices.json');
    await writeFile(prices, JSON.stringify(PRICES));
    const { out } = await serve({ INBETWEEN_PRICE_TABLE: prices, INBETWEEN_VIDU_CREDIT_RATE: '10' });
    const key = /API key \(shown once\): (\S+)/.exec(out)![1];
    const image = (await readFile(join(import.meta.dirname, '..', 'samples', 'tunnel-start.jpg'))).toString(
      'base64',
    );
    const frame = `data:image/jpeg;base64,${image}`;

    // The hosted gateway's CLI: enveloped body, X-Source, typed fields.
    const quote = await call('/model/v1/generation/precharge', `Bearer ${key}`, {
      model: 'viduq2_pro_start_end2video',
      input: [{ params: { images: [frame], duration: 1, resolution: '540p' } }],
    });
    expect(quote.json.data).toMatchObject({ cost: '0.2000', updated_at: Date.parse(PRICES.updated_at) });
    const created = await fetch(`${BASE}/model/v1/generation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-source': 'cli' },
      body: JSON.stringify({
        model: 'viduq2_pro_start_end2video',
        input: [{ params: { images: [frame], duration: 1, resolution: '540p' } }],
      }),
    }).then((response) => response.json() as Promise<{ id: string; created_at: unknown }>);
    expect(Number.isInteger(created.created_at)).toBe(true);
    const hosted = await pollUntil(
      'the hosted task',
      async () => (await call(`/model/v1/generation/task/${created.id}`, `Bearer ${key}`)).json,
      (task) => task.status === 'completed' || task.status === 'failed',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(hosted).toMatchObject({ status: 'completed', usage: { cost: '0.2000' } });
    expect(hosted.output?.[0].content[0].duration).toBe('1');
    expect(Number.isInteger(hosted.completed_at)).toBe(true);

    // A client of Vidu's API: Token auth, Vidu's model name, credits at the configured rate.
    const vidu = await call('/ent/v2/img2video', `Token ${key}`, {
      model: 'viduq2-pro-fast',
      images: [frame],
      duration: 1,
      resolution: '540p',
      callback_url: hookUrl,
    });
    expect(vidu.status).toBe(200);
    expect(vidu.json).toMatchObject({ state: 'created', model: 'viduq2-pro-fast', credits: 2 });
    const id = vidu.json.task_id!;
    const done = await pollUntil(
      'the Vidu task',
      async () => (await call(`/ent/v2/tasks/${id}/creations`, `Token ${key}`)).json,
      (task) => task.state === 'success' || task.state === 'failed',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(done).toMatchObject({ state: 'success', err_code: '', credits: 2 });
    const video = await fetch(done.creations![0].url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const listed = await call(`/ent/v2/tasks?task_ids=${id},${created.id}`, `Token ${key}`);
    expect(listed.json.tasks!.map((task) => task.id).sort()).toEqual([id, created.id].sort());

    const success = await pollUntil(
      'the success callback',
      () =>
        Promise.resolve(
          hooks.find((hook) => (JSON.parse(hook.body) as { state: string }).state === 'success'),
        ),
      (hook) => hook !== undefined,
    );
    // Vidu's signing string, written out here: node:crypto, independent of the service's signer module.
    const signing = `POST\n/hooks/vidu\ntenant=7\nvidu\n${String(success!.headers.date)}\nDate:${String(success!.headers.date)}\nx-request-nonce:${String(success!.headers['x-request-nonce'])}\n`;
    expect(success!.headers['x-hmac-signature']).toBe(
      createHmac('sha256', key).update(signing).digest('base64'),
    );
    expect(JSON.parse(success!.body)).toMatchObject({ id, state: 'success', credits: 2 });
  }, 300_000);
});
