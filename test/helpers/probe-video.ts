import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The ffprobe on PATH, or null: the npm ffmpeg package ships none. CI installs Debian's ffmpeg, which has it. */
export function findFfprobe(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'ffprobe');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/**
 * Whether probe-based tests should be skipped: only locally, where ffprobe may be missing. In CI (CI=true),
 * .ci/run installs it and the tests must run, so a missing ffprobe fails them instead of skipping.
 */
export function skipWithoutFfprobe(): boolean {
  const skip = findFfprobe() === null && !process.env.CI;
  if (skip) console.warn(FFPROBE_MISSING);
  return skip;
}

/** Why probe-based tests are skipped, for `describe.skipIf(...)` names. */
export const FFPROBE_MISSING = 'ffprobe not on PATH (apt-get install ffmpeg); video probe tests skipped';

/** The fields of `ffprobe -show_streams -show_format` the tests look at. */
export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  duration?: string;
  tags?: Record<string, string>;
}

export interface ProbedVideo {
  streams: ProbedStream[];
  format: { format_name: string; duration?: string; size?: string; tags?: Record<string, string> };
}

/** Runs ffprobe with `-count_frames`, so `nb_read_frames` is the number of frames that actually decode. */
export async function probeVideo(path: string): Promise<ProbedVideo> {
  const ffprobe = findFfprobe();
  if (ffprobe === null) throw new Error(FFPROBE_MISSING);
  const { stdout } = await run(ffprobe, [
    ...['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path],
  ]);
  return JSON.parse(stdout) as ProbedVideo;
}

/** Decodes the first `frames` frames of a video back to RGB24 with the BT.709 limited-range matrix. */
export async function decodeFrames(
  ffmpeg: string,
  path: string,
  options: { width: number; height: number; frames?: number },
): Promise<Uint8Array[]> {
  const frames = options.frames ?? 1;
  // The matrix is named on the way back too: with it fixed here, a wrong matrix on the way in shows as a colour
  // error instead of two wrongs cancelling out, whatever this ffmpeg's defaults are.
  const { stdout } = await run(
    ffmpeg,
    [
      ...['-v', 'error', '-i', path, '-frames:v', String(frames)],
      ...['-vf', 'scale=in_color_matrix=bt709:in_range=tv,format=rgb24', '-f', 'rawvideo', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const size = options.width * options.height * 3;
  const out: Uint8Array[] = [];
  for (let offset = 0; offset + size <= stdout.length; offset += size) {
    out.push(new Uint8Array(stdout.subarray(offset, offset + size)));
  }
  return out;
}

/** The top-level MP4 boxes in file order (`ftyp`, `moov`, `mdat`, ...), to check faststart. */
export function mp4TopLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: string[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    let size = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (size === 1) size = Number(view.getBigUint64(offset + 8));
    else if (size === 0) size = bytes.length - offset;
    if (size < 8) break;
    boxes.push(type);
    offset += size;
  }
  return boxes;
}
