/** How far ffmpeg has got. */
export interface FfmpegProgress {
  /** Frames encoded so far. */
  frame: number;
  /** Encoding speed in frames per second, when ffmpeg reports one. */
  fps?: number;
  /** Timestamp of the output so far, in seconds, when known (ffmpeg prints N/A at the very start). */
  outTimeSeconds?: number;
}

// `key=value` pairs where ffmpeg pads the value with spaces (`frame=   42 fps= 32`); also matches the
// one-pair-per-line `-progress` format, so a whole -progress block parses the same way.
const PAIR = /([a-z_]+)=\s*(\S+)/gi;

function parseTimestamp(text: string): number | undefined {
  const match = /^(-)?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  return match[1] ? -seconds : seconds;
}

/**
 * Reads a progress report from ffmpeg's stderr: a stats line
 * (`frame=   42 fps= 32 q=23.0 size=    1024kB time=00:00:00.91 bitrate=9150.8kbits/s speed=0.704x`) or a
 * `-progress` block (`frame=42\nfps=32.00\n...out_time_us=910000\n...`). Anything else, a warning say, gives
 * `null`, so every stderr line can be offered to it.
 */
export function parseFfmpegProgress(line: string): FfmpegProgress | null {
  const pairs = new Map<string, string>();
  for (const [, key, value] of line.matchAll(PAIR)) pairs.set(key.toLowerCase(), value);
  const frameText = pairs.get('frame');
  if (frameText === undefined || !/^\d+$/.test(frameText)) return null;
  const progress: FfmpegProgress = { frame: Number(frameText) };
  const fps = Number(pairs.get('fps'));
  if (pairs.has('fps') && Number.isFinite(fps)) progress.fps = fps;
  const outTimeUs = pairs.get('out_time_us');
  const outTime =
    outTimeUs !== undefined && /^-?\d+$/.test(outTimeUs)
      ? Number(outTimeUs) / 1e6
      : parseTimestamp(pairs.get('time') ?? pairs.get('out_time') ?? '');
  if (outTime !== undefined) progress.outTimeSeconds = outTime;
  return progress;
}
