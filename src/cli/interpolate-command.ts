import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadKeyframes } from '../engine/input/index.js';
import { interpolateFrames } from '../engine/render/interpolate-frames.js';
import { expected, UsageError } from './usage-error.js';

/** `inbetween interpolate`: in-between frames at given times, at the input size. */
export async function interpolateCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { times: { type: 'string' }, output: { type: 'string', short: 'o' } },
  });
  if (positionals.length !== 2)
    throw new UsageError(`Expected two keyframe paths but received ${positionals.length}`);
  if (!values.times) throw new UsageError('Expected a list of times for --times but received none');
  const times = values.times.split(',').map((part) => {
    const t = Number(part.trim());
    if (part.trim() === '' || !(t >= 0 && t <= 1))
      throw expected('times between 0 and 1', '--times', values.times);
    return t;
  });
  const pattern = values.output;
  if (!pattern || !/%0?\d*d/.test(pattern)) {
    throw expected('an output pattern containing %d', '--output', pattern ?? null);
  }
  const { start, end } = await loadKeyframes({ start: positionals[0], end: positionals[1], size: 'input' });
  if (!end) throw new UsageError('Expected an END keyframe');
  const frames = await interpolateFrames(start, end, times);
  await Promise.all(
    frames.map(async (frame, i) => {
      const path = pattern.replace(/%(0?)(\d*)d/, (_m, zero: string, digits: string) =>
        String(i + 1).padStart(digits ? Number(digits) : 0, zero ? '0' : ' '),
      );
      await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).toFile(
        path,
      );
      process.stdout.write(`${path}: t=${times[i]}\n`);
    }),
  );
}
