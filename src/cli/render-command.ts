import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { MovementAmplitude } from '../engine/camera/camera-plan.js';
import { InputImageError, loadKeyframes } from '../engine/input/index.js';
import { aigcMetadata } from '../engine/label/aigc-label.js';
import type { WatermarkPosition } from '../engine/overlay/index.js';
import { renderVideo } from '../engine/render/render-video.js';
import { createProgressBar } from './progress-bar.js';
import { parseChoiceOption, parseIntegerOption, UsageError } from './usage-error.js';

const RESOLUTIONS = ['540p', '720p', '1080p'] as const;
const AMPLITUDES: readonly MovementAmplitude[] = ['auto', 'small', 'medium', 'large'];

/** `inbetween render`: one or two keyframes to an MP4 and a cover JPEG. */
export async function renderCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      duration: { type: 'string' },
      resolution: { type: 'string' },
      movement: { type: 'string' },
      seed: { type: 'string' },
      prompt: { type: 'string' },
      threads: { type: 'string' },
      'meta-data': { type: 'string' },
      watermark: { type: 'boolean' },
      'wm-position': { type: 'string' },
      'wm-image': { type: 'string' },
      'is-rec': { type: 'boolean' },
      bgm: { type: 'boolean' },
      'no-cover': { type: 'boolean' },
    },
  });
  if (positionals.length < 1 || positionals.length > 2) {
    throw new UsageError(`Expected one or two keyframe paths but received ${positionals.length}`);
  }
  if (!values.output) throw new UsageError('Expected an output path for --output but received none');
  const duration = parseIntegerOption('--duration', values.duration, 1, 8) ?? 5;
  const resolution = parseChoiceOption('--resolution', values.resolution, RESOLUTIONS) ?? '720p';
  const movementAmplitude = parseChoiceOption('--movement', values.movement, AMPLITUDES) ?? 'auto';
  const seed = parseIntegerOption('--seed', values.seed, 0, 2 ** 32 - 1);
  const threads = parseIntegerOption('--threads', values.threads, 1, 64);
  if (values.prompt !== undefined && values.prompt.length > 2000) {
    throw new UsageError(
      `Expected at most 2000 characters for --prompt but received ${values.prompt.length}`,
    );
  }

  const output = values.output;
  let metadata: Record<string, string>;
  try {
    metadata = aigcMetadata({
      metaData: values['meta-data'] ?? null,
      producer: 'inbetween',
      produceId: basename(output),
    });
  } catch {
    throw new UsageError(
      `Expected a JSON object for --meta-data but received ${JSON.stringify(values['meta-data'])}`,
    );
  }
  const started = Date.now();
  const wmPosition = (parseIntegerOption('--wm-position', values['wm-position'], 1, 4) ??
    3) as WatermarkPosition;
  const wmImage = values['wm-image'] ? await readImageFile(values['wm-image']) : undefined;
  const { start, end } = await loadKeyframes({
    start: positionals[0],
    end: positionals[1] ?? null,
    resolution,
  });
  const bar = createProgressBar();
  await mkdir(dirname(output), { recursive: true });
  const cover = values['no-cover'] ? undefined : output.replace(/\.[^./]*$/, '') + '.jpg';
  try {
    const result = await renderVideo({
      start,
      end,
      output,
      ...(cover ? { cover } : {}),
      duration,
      movementAmplitude,
      ...(values.prompt !== undefined ? { prompt: values.prompt } : {}),
      isRec: values['is-rec'] ?? false,
      bgm: values.bgm ?? false,
      watermark:
        values.watermark || wmImage ? { position: wmPosition, ...(wmImage ? { image: wmImage } : {}) } : null,
      ...(seed !== undefined ? { seed } : {}),
      ...(threads !== undefined ? { threads } : {}),
      signal,
      metadata,
      onProgress: (p) =>
        bar.update(
          p.fraction,
          p.phase === 'analyse' ? 'measuring motion' : `frame ${p.framesDone}/${p.frames}`,
        ),
    });
    bar.done();
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    process.stdout.write(
      `${result.output}: ${result.width}x${result.height}, ${result.frames} frames at ${result.fps} fps ` +
        `(${result.duration} s), ${(result.bytes / 1024).toFixed(0)} KiB, seed ${result.seed}, ` +
        `camera ${result.camera.move}${result.camera.strength > 0 ? ` ${result.camera.strength}` : ''}, ${seconds} s` +
        (result.recommendedPrompt ? `\nrecommended prompt: ${result.recommendedPrompt}` : '') +
        (result.music ? `\nmusic: ${result.music.preset} (${result.music.reason})` : '') +
        (cover ? `\ncover: ${cover}` : '') +
        '\n',
    );
  } finally {
    bar.done();
  }
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    throw new InputImageError({ code: 'not_found', fileName: path, reason: 'file not found' });
  }
}
