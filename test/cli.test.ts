import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfprobe, probeVideo } from './helpers/probe-video.js';
import { drawRgb, textureAt } from './helpers/synthetic.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source, as a user would run the built one. */
function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-cli-'));
  const texture = textureAt(9);
  const png = (dx: number, w: number, h: number) =>
    sharp(drawRgb(w, h, (x, y, c) => texture(x - dx, y, c)).data, {
      raw: { width: w, height: h, channels: 3 },
    });
  await png(0, 128, 72).png().toFile(file('a.png'));
  await png(6, 128, 72).jpeg().toFile(file('b.jpg'));
  await png(0, 72, 128).png().toFile(file('tall.png'));
  await png(0, 40, 200).png().toFile(file('sliver.png'));
  // A GIF wearing a .png name: the bytes decide.
  await png(0, 32, 32).gif().toFile(file('fake.png'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inbetween render', () => {
  it('renders two keyframes to an MP4 and a cover, and reports the seed', async () => {
    const out = file('clip.mp4');
    const result = await cli(
      'render',
      file('a.png'),
      file('b.jpg'),
      '-o',
      out,
      '--duration',
      '1',
      '--resolution',
      '540p',
      '--seed',
      '42',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/960x540, 24 frames at 24 fps \(1 s\).*seed 42/);
    expect(existsSync(out)).toBe(true);
    expect(await sharp(file('clip.jpg')).metadata()).toMatchObject({ width: 960, height: 540 });
  });

  it('embeds the AIGC label exactly as given, readable by ffprobe', async () => {
    const label = JSON.stringify({ Label: '1', ContentProducer: 'acme', ProduceID: 'p-7', Custom: 'kept' });
    const out = file('labelled.mp4');
    const result = await cli(
      'render',
      file('a.png'),
      '-o',
      out,
      '--duration',
      '1',
      '--resolution',
      '540p',
      '--meta-data',
      label,
    );
    expect(result.code).toBe(0);
    if (findFfprobe()) expect((await probeVideo(out)).format.tags?.AIGC).toBe(label);
    const bad = await cli('render', file('a.png'), '-o', file('bad-label.mp4'), '--meta-data', '[1]');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Expected a JSON object for --meta-data/);
  });

  it.each([
    [['--duration', '9'], /Expected an integer 1\.\.8 for --duration but received "9"/],
    [['--resolution', '4k'], /Expected one of 540p, 720p, 1080p for --resolution but received "4k"/],
    [['--movement', 'huge'], /Expected one of auto, small, medium, large for --movement/],
    [['--seed=-1'], /Expected an integer 0..4294967295 for --seed but received "-1"/],
    [['--seed', 'abc'], /for --seed but received "abc"/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with a usage error (exit 2)', async (extra, message) => {
    const result = await cli('render', file('a.png'), '-o', file('x.mp4'), ...extra);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(existsSync(file('x.mp4'))).toBe(false);
  });

  it.each([
    ['fake.png', 'a.png', /fake\.png: unsupported image format \(gif\); expected png, jpeg or webp/],
    ['missing.png', 'a.png', /missing\.png: file not found/],
    ['a.png', 'tall.png', /tall\.png: aspect ratio .* differs from the start frame's/],
    ['sliver.png', null, /sliver\.png: aspect ratio .* outside 1:4\.\.4:1/],
  ])('names the file and the reason for a bad input (%s, %s)', async (a, b, message) => {
    const result = await cli('render', file(a), ...(b ? [file(b)] : []), '-o', file('y.mp4'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(file('y.mp4'))).toBe(false);
  });

  it('refuses a corrupt file by name', async () => {
    await writeFile(file('broken.png'), (await sharp(file('a.png')).png().toBuffer()).subarray(0, 200));
    const result = await cli('render', file('broken.png'), '-o', file('z.mp4'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.png/);
  });
});

describe('inbetween interpolate', () => {
  it('writes frames at the given times at the input size', async () => {
    const result = await cli(
      'interpolate',
      file('a.png'),
      file('b.jpg'),
      '--times',
      '0.25,0.5,1',
      '-o',
      file('mid_%02d.png'),
    );
    expect(result.code).toBe(0);
    for (const name of ['mid_01.png', 'mid_02.png', 'mid_03.png']) {
      expect(await sharp(file(name)).metadata()).toMatchObject({ width: 128, height: 72, format: 'png' });
    }
  });

  it('refuses times outside 0..1 and a pattern without %d', async () => {
    expect(
      (await cli('interpolate', file('a.png'), file('b.jpg'), '--times', '0.5,2', '-o', file('o_%d.png')))
        .stderr,
    ).toMatch(/Expected times between 0 and 1 for --times/);
    const noPattern = await cli(
      'interpolate',
      file('a.png'),
      file('b.jpg'),
      '--times',
      '0.5',
      '-o',
      file('o.png'),
    );
    expect(noPattern.code).toBe(2);
    expect(noPattern.stderr).toMatch(/%d/);
  });
});

describe('inbetween keys', () => {
  it('creates a key (secret shown once), lists it without the secret, revokes it', async () => {
    const data = file('keys-data');
    const created = await cli('keys', 'create', '--name', 'ci', '--data-dir', data);
    expect(created.code).toBe(0);
    const secret = /secret \(shown once\): (ib_\S+)/.exec(created.stdout)![1];
    const id = /^(key_\S+)/.exec(created.stdout)![1];
    const listed = await cli('keys', 'list', '--data-dir', data);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('"ci"');
    expect(listed.stdout).not.toContain(secret);
    const revoked = await cli('keys', 'revoke', id, '--data-dir', data);
    expect(revoked.stdout).toMatch(/revoked/);
    const unknown = await cli('keys', 'revoke', 'key_nope', '--data-dir', data);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No API key key_nope/);
    const bad = await cli('keys', 'list', '--data-dir', data, '--port', 'eighty');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port/);
  });

  it('creates a key with a balance and shows its webhook secret; refuses a bad balance', async () => {
    const data = file('keys-balance');
    const created = await cli('keys', 'create', '--balance', '12.5', '--name', 'paid', '--data-dir', data);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/"paid".*balance 12\.5000 USD/);
    expect(created.stdout).toMatch(/webhook secret: whsec_\S{32}/);
    expect((await cli('keys', 'list', '--data-dir', data)).stdout).toMatch(/balance 12\.5000 USD/);
    const bad = await cli('keys', 'create', '--balance', 'lots', '--data-dir', data);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--balance: Expected a decimal USD amount/);
  });

  it('tops up and adjusts a balance through the ledger, once per idempotency key', async () => {
    const data = file('keys-money');
    const created = await cli('keys', 'create', '--balance', '10', '--data-dir', data);
    const id = /^(key_\S+)/.exec(created.stdout)![1];
    const debit = ['keys', 'adjust', id, '--debit', '2.5', '--reason', 'refund by bank', '--data-dir', data];
    const first = await cli(...debit, '--idempotency-key', 'bank-17');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/balance 7\.5000 USD/);
    expect(first.stdout).toMatch(/ledger entry \d+: debit 2\.5000 USD {2}"refund by bank"/);
    const again = await cli(...debit, '--idempotency-key', 'bank-17');
    expect(again.stdout).toMatch(/balance 7\.5000 USD/);
    expect(again.stdout).toMatch(/nothing new written/);
    const conflict = await cli(
      'keys',
      'top-up',
      id,
      '--amount',
      '1',
      '--idempotency-key',
      'bank-17',
      '--data-dir',
      data,
    );
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/Idempotency-Key bank-17 was already used/);
    const topUp = await cli('keys', 'top-up', id, '--amount', '1', '--data-dir', data);
    expect(topUp.stdout).toMatch(/balance 8\.5000 USD/);
    const credit = await cli(
      'keys',
      'adjust',
      id,
      '--credit',
      '0.5',
      '--reason',
      'goodwill',
      '--data-dir',
      data,
    );
    expect(credit.stdout).toMatch(/balance 9\.0000 USD/);

    const noReason = await cli('keys', 'adjust', id, '--credit', '1', '--data-dir', data);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/Expected --reason for adjust/);
    const both = await cli(
      'keys',
      'adjust',
      id,
      '--credit',
      '1',
      '--debit',
      '1',
      '--reason',
      'x',
      '--data-dir',
      data,
    );
    expect(both.stderr).toMatch(/--credit USD or --debit USD/);
    const tooMuch = await cli('keys', 'adjust', id, '--debit', '100', '--reason', 'x', '--data-dir', data);
    expect(tooMuch.code).toBe(2);
    expect(tooMuch.stderr).toMatch(/a debit of at most the balance/);
    expect((await cli('keys', 'list', '--data-dir', data)).stdout).toMatch(/balance 9\.0000 USD/);
  });
});
