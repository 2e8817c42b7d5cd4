import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  decodeFrames,
  mp4TopLevelBoxes,
  probeVideo,
  skipWithoutFfprobe,
  type ProbedStream,
} from '../../../test/helpers/probe-video.js';
import { synthesizeMusic } from '../audio/synthesize-music.js';
import { writeWav } from '../audio/write-wav.js';
import { EncodeError } from './encode-error.js';
import { openEncoder, type EncoderOptions } from './open-encoder.js';
import type { FfmpegProgress } from './parse-ffmpeg-progress.js';
import { resolveFfmpeg } from './resolve-ffmpeg.js';

const npmFfmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const systemFfmpeg = resolveFfmpeg({ PATH: process.env.PATH });
// Both binaries the service may meet: the system one (5.1 on Debian and in CI) and the npm 2018 static build.
const binaries = [
  ...(systemFfmpeg === npmFfmpeg ? [] : [{ name: `system ffmpeg (${systemFfmpeg})`, path: systemFfmpeg }]),
  { name: 'npm static ffmpeg (2018)', path: npmFfmpeg },
];
const skipProbe = skipWithoutFfprobe();

const W = 64;
const H = 48;

/** Grey background with a white 8x8 square moving 3 px right per frame. */
function movingSquare(index: number): Uint8Array {
  const frame = new Uint8Array(W * H * 3).fill(128);
  for (let y = 20; y < 28; y++) {
    for (let x = 4 + index * 3; x < 12 + index * 3; x++)
      frame.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
  }
  return frame;
}

function solid(rgb: [number, number, number], width = W, height = H): Uint8Array {
  const frame = new Uint8Array(width * height * 3);
  for (let i = 0; i < frame.length; i += 3) frame.set(rgb, i);
  return frame;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const execFileAsync = promisify(execFile);

/** The decoded audio's mean volume in dB, from ffmpeg's `volumedetect`. */
async function meanVolume(ffmpeg: string, path: string): Promise<number> {
  const { stderr } = await execFileAsync(ffmpeg, [
    ...['-hide_banner', '-nostdin', '-i', path, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-'],
  ]);
  const match = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match) throw new Error(`no mean_volume in ffmpeg's output:\n${stderr}`);
  return match[1] === '-inf' ? -Infinity : Number(match[1]);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-encode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(binaries)('openEncoder with $name', ({ path: ffmpegPath }) => {
  const tag = ffmpegPath === npmFfmpeg ? 'npm' : 'system';
  const options = (name: string, extra: Partial<EncoderOptions> = {}): EncoderOptions => ({
    ffmpegPath,
    width: W,
    height: H,
    output: join(dir, `${tag}-${name}.mp4`),
    threads: 1,
    ...extra,
  });

  it('encodes 12 frames into an H.264 MP4 with progress', async () => {
    const progress: FfmpegProgress[] = [];
    const encoder = openEncoder(options('square', { onProgress: (p) => progress.push(p) }));
    for (let i = 0; i < 12; i++) await encoder.write(movingSquare(i));
    expect(encoder.framesWritten).toBe(12);
    const result = await encoder.finish();
    expect(result.frames).toBe(12);
    expect(result.path).toBe(join(dir, `${tag}-square.mp4`));
    expect(result.bytes).toBe((await stat(result.path)).size);
    expect(result.bytes).toBeGreaterThan(500);
    expect(progress.at(-1)?.frame).toBe(12);
    expect(isAlive(encoder.pid)).toBe(false);
    // Idempotent: a second finish() answers the same.
    await expect(encoder.finish()).resolves.toEqual(result);
  });

  it.skipIf(skipProbe)(
    'tags h264, yuv420p, BT.709 limited range, 24 fps, exact frame count and duration',
    async () => {
      const path = join(dir, `${tag}-square.mp4`);
      const probe = await probeVideo(path);
      expect(probe.format.format_name).toContain('mp4');
      const [stream] = probe.streams.filter((s) => s.codec_type === 'video');
      expect(stream).toMatchObject({
        codec_name: 'h264',
        width: W,
        height: H,
        pix_fmt: 'yuv420p',
        color_range: 'tv',
        color_space: 'bt709',
        color_transfer: 'bt709',
        color_primaries: 'bt709',
        r_frame_rate: '24/1',
        avg_frame_rate: '24/1',
        nb_read_frames: '12',
      });
      expect(Number(stream.duration)).toBeCloseTo(0.5, 3);
    },
  );

  it('writes the index before the media (faststart)', async () => {
    const boxes = mp4TopLevelBoxes(await readFile(join(dir, `${tag}-square.mp4`)));
    expect(boxes[0]).toBe('ftyp');
    expect(boxes).toContain('moov');
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  });

  it('keeps colours through the BT.709 matrix (red, green, grey, blue come back close)', async () => {
    const colours: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [128, 128, 128],
      [0, 0, 255],
      [255, 255, 255],
    ];
    const encoder = openEncoder(options('colours'));
    for (const colour of colours) await encoder.write(solid(colour));
    const { path } = await encoder.finish();
    const frames = await decodeFrames(ffmpegPath, path, { width: W, height: H, frames: colours.length });
    expect(frames).toHaveLength(colours.length);
    frames.forEach((frame, i) => {
      const centre = ((H / 2) * W + W / 2) * 3;
      const got = Array.from(frame.subarray(centre, centre + 3));
      // 8-bit limited-range YUV round trip: a few levels. BT.601 in, 709 out would miss red's green by ~25.
      got.forEach((value, c) =>
        expect(Math.abs(value - colours[i][c]), `${colours[i].join()} -> ${got.join()}`).toBeLessThanOrEqual(
          5,
        ),
      );
    });
  });

  it.skipIf(skipProbe)('embeds container metadata, custom keys included', async () => {
    const label = JSON.stringify({ Label: '1', ContentProducer: 'inbetween' });
    const encoder = openEncoder(options('metadata', { metadata: { AIGC: label, comment: 'hello' } }));
    for (let i = 0; i < 3; i++) await encoder.write(movingSquare(i));
    const { path } = await encoder.finish();
    const probe = await probeVideo(path);
    expect(probe.format.tags).toMatchObject({ AIGC: label, comment: 'hello' });
  });

  it.skipIf(skipProbe)(
    'muxes a music WAV as AAC 48 kHz stereo lasting the video, audible after encoding',
    async () => {
      const frames = 96; // 4 s: more AAC packets than ffmpeg 4.x queues by default while x264 warms up
      const wav = join(dir, `${tag}-music.wav`);
      await writeWav(synthesizeMusic({ preset: 'upbeat-pluck', seed: 7, duration: frames / 24 }), wav);
      const encoder = openEncoder(options('music', { audio: { path: wav } }));
      // A renderer is slow to its first frame; ffmpeg has read the whole WAV by then.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let i = 0; i < frames; i++) await encoder.write(movingSquare(i % 16));
      const { path } = await encoder.finish();
      const probe = await probeVideo(path);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      // ffprobe reports audio fields the shared helper's type does not name.
      const audio = probe.streams.find(
        (s): s is ProbedStream & { sample_rate?: string; channels?: number } => s.codec_type === 'audio',
      );
      expect(video).toMatchObject({ codec_name: 'h264', nb_read_frames: String(frames) });
      expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
      expect(Math.abs(Number(audio?.duration) - Number(video?.duration))).toBeLessThanOrEqual(0.05);
      expect(Number(video?.duration)).toBeCloseTo(frames / 24, 2);
      expect(await meanVolume(ffmpegPath, path)).toBeGreaterThan(-40);
    },
  );

  it('aborting mid-encode kills ffmpeg, removes the partial file and rejects with AbortError', async () => {
    const controller = new AbortController();
    const encoder = openEncoder(options('aborted', { signal: controller.signal }));
    for (let i = 0; i < 6; i++) await encoder.write(movingSquare(i));
    expect(isAlive(encoder.pid)).toBe(true);
    controller.abort(new Error('user cancelled'));
    const writeError = await caught(encoder.write(movingSquare(6)));
    expect(writeError).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect((writeError as Error).cause).toEqual(new Error('user cancelled'));
    const finishError = await caught(encoder.finish());
    expect(finishError).toBe(writeError);
    expect(isAlive(encoder.pid)).toBe(false);
    expect(await exists(join(dir, `${tag}-aborted.mp4`))).toBe(false);
  });

  it('cancel() does the same for a render that failed elsewhere', async () => {
    const encoder = openEncoder(options('cancelled'));
    await encoder.write(movingSquare(0));
    await encoder.cancel();
    expect(isAlive(encoder.pid)).toBe(false);
    expect(await exists(join(dir, `${tag}-cancelled.mp4`))).toBe(false);
    expect(await caught(encoder.finish())).toMatchObject({ name: 'AbortError' });
  });

  it('rejects a frame of the wrong size without breaking the encode', async () => {
    const encoder = openEncoder(options('wrong-size'));
    await expect(encoder.write(new Uint8Array(W * H * 3 - 3))).rejects.toThrow(
      `Expected a frame of ${W * H * 3} bytes (${W}x${H} RGB24) but received ${W * H * 3 - 3} bytes`,
    );
    await encoder.write(movingSquare(0));
    await expect(encoder.finish()).resolves.toMatchObject({ frames: 1 });
  });

  it("fails with ffmpeg's own words when the output cannot be written", async () => {
    const output = join(dir, 'no-such-dir', 'x.mp4');
    const encoder = openEncoder(options('unused', { output }));
    const error = await caught(
      (async () => {
        await encoder.write(movingSquare(0));
        return encoder.finish();
      })(),
    );
    expect(error).toBeInstanceOf(EncodeError);
    const e = error as EncodeError;
    expect(e.code).toBe('ffmpeg_failed');
    expect(e.exitCode).not.toBe(0);
    expect(e.log).toContain('No such file or directory');
    expect(e.message).toMatch(/^ffmpeg exited with code \d+.*No such file or directory/);
  });

  it('rejects writes instead of hanging once ffmpeg has died', async () => {
    const encoder = openEncoder(options('killed'));
    await encoder.write(movingSquare(0));
    process.kill(encoder.pid!, 'SIGKILL');
    let error: unknown;
    // The pipe may take a frame or two before the death shows; it must show.
    for (let i = 1; i < 50 && error === undefined; i++) {
      error = await encoder.write(movingSquare(i % 12)).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(EncodeError);
    expect(error).toMatchObject({ code: 'ffmpeg_failed', signal: 'SIGKILL', exitCode: null });
    expect((error as Error).message).toMatch(/^ffmpeg was killed by SIGKILL before all frames were written/);
    expect(await caught(encoder.finish())).toBe(error);
    expect(await exists(join(dir, `${tag}-killed.mp4`))).toBe(false);
  });
});

describe('openEncoder process control', () => {
  let stubborn: string;
  let deaf: string;
  beforeAll(async () => {
    // Stand-ins for an ffmpeg that has stopped reading: one that still obeys SIGTERM, one that ignores it.
    deaf = join(dir, 'deaf-ffmpeg');
    stubborn = join(dir, 'stubborn-ffmpeg');
    await writeFile(deaf, '#!/bin/sh\nexec sleep 30\n');
    await writeFile(stubborn, "#!/bin/sh\ntrap '' TERM\nexec sleep 30\n");
    await chmod(deaf, 0o755);
    await chmod(stubborn, 0o755);
  });

  const big = { width: 640, height: 480 };

  it('holds a write until the pipe takes it, and abort releases it', async () => {
    const controller = new AbortController();
    const encoder = openEncoder({
      ...big,
      ffmpegPath: deaf,
      output: join(dir, 'deaf.mp4'),
      signal: controller.signal,
    });
    let settled = false;
    const write = encoder.write(solid([1, 2, 3], big.width, big.height)).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // 900 KB cannot fit a 64 KB pipe nobody reads: backpressure, not buffering.
    expect(settled).toBe(false);
    controller.abort();
    expect(await caught(write)).toMatchObject({ name: 'AbortError' });
    expect(isAlive(encoder.pid)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const controller = new AbortController();
    const encoder = openEncoder({
      ...big,
      ffmpegPath: stubborn,
      output: join(dir, 'stubborn.mp4'),
      signal: controller.signal,
      killAfterMs: 300,
    });
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await caught(encoder.finish())).toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(isAlive(encoder.pid)).toBe(false);
  });

  it('reports a binary that does not exist as ffmpeg_not_found', async () => {
    const missing = join(dir, 'missing', 'ffmpeg');
    const encoder = openEncoder({ width: W, height: H, ffmpegPath: missing, output: join(dir, 'never.mp4') });
    const error = await caught(encoder.write(movingSquare(0)));
    expect(error).toBeInstanceOf(EncodeError);
    expect(error).toMatchObject({ code: 'ffmpeg_not_found' });
    expect((error as Error).message).toBe(`could not start ffmpeg at ${missing} (ENOENT)`);
    expect(await caught(encoder.finish())).toBe(error);
  });

  it('refuses to start with an aborted signal', () => {
    expect(() =>
      openEncoder({ width: W, height: H, output: join(dir, 'x.mp4'), signal: AbortSignal.abort() }),
    ).toThrow(expect.objectContaining({ name: 'AbortError' }) as Error);
  });
});
