/** x264's speed/size trade-offs, fastest first. */
export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

/** What the encoder needs to know about the clip; everything but size and output has a default. */
export interface EncodeArgsOptions {
  width: number;
  height: number;
  /** Output file; written as MP4 whatever its extension, so a temporary name works. */
  output: string;
  /** Frames per second of the raw input and of the video. Default 24. */
  fps?: number;
  /** Default `veryfast`: on two cores the renderer, not x264, should get most of the CPU. */
  preset?: X264Preset;
  /** x264 constant rate factor, 0..51. Default 18, visually lossless for this kind of content. */
  crf?: number;
  /** x264 threads; omitted lets ffmpeg choose (all cores). */
  threads?: number;
  /**
   * Layout of the raw frames written: `rgb24` (default; converted with the BT.709 matrix) or `yuv420p`
   * (BT.709 limited range already, as the renderer draws video frames; passed through unconverted).
   */
  pixelFormat?: RawPixelFormat;
  /** Container metadata, `-metadata key=value` each (the AIGC label, a comment, ...). */
  metadata?: Readonly<Record<string, string>>;
  /**
   * A music track to mux in: a 16-bit PCM WAV the engine wrote (never a user's file), as long as the video.
   * Encoded to AAC-LC 160 kb/s, 48 kHz stereo; the engine normalises its loudness before writing it, so ffmpeg
   * only encodes. `-shortest` ends the file with the video should the WAV run longer.
   */
  audio?: EncodeAudio;
}

/** The audio input of an encode. */
export interface EncodeAudio {
  /** Path of the WAV file. */
  path: string;
}

/** {@link EncodeArgsOptions} with every default filled in. */
export interface ResolvedEncodeArgs {
  width: number;
  height: number;
  output: string;
  fps: number;
  preset: X264Preset;
  crf: number;
  threads: number | null;
  pixelFormat: RawPixelFormat;
  metadata: Readonly<Record<string, string>>;
  audio: EncodeAudio | null;
}

/** Raw frame layouts the encoder accepts on stdin. */
export type RawPixelFormat = 'rgb24' | 'yuv420p';

/** Bytes of one raw frame in a layout. */
export function rawFrameBytes(width: number, height: number, format: RawPixelFormat): number {
  return format === 'rgb24' ? width * height * 3 : (width * height * 3) / 2;
}

export const ENCODE_DEFAULTS = { fps: 24, preset: 'veryfast', crf: 18 } as const;

/** The music track's codec settings: AAC-LC, what every MP4 player decodes, at the rate the WAV is written. */
export const AUDIO_ENCODE = { codec: 'aac', bitrate: '160k', sampleRate: 48_000, channels: 2 } as const;

// Keys the MP4 muxer stores as ordinary iTunes-style tags. Any other key (the AIGC label) is dropped silently
// unless `use_metadata_tags` is on, and that flag moves every tag into QuickTime `mdta` keys that some players
// do not read, so it is only set when a custom key needs it.
const NATIVE_MP4_TAGS = new Set([
  'title',
  'artist',
  'album_artist',
  'album',
  'composer',
  'comment',
  'genre',
  'copyright',
  'date',
  'description',
  'synopsis',
  'grouping',
  'lyrics',
  'encoder',
]);

function expectInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new RangeError(`Expected an integer ${range} for ${name} but received ${value}`);
  }
}

/** Fills in defaults and checks every option once, so the argument builder and the encoder agree. */
export function resolveEncodeArgs(options: EncodeArgsOptions): ResolvedEncodeArgs {
  const resolved: ResolvedEncodeArgs = {
    width: options.width,
    height: options.height,
    output: options.output,
    fps: options.fps ?? ENCODE_DEFAULTS.fps,
    preset: options.preset ?? ENCODE_DEFAULTS.preset,
    crf: options.crf ?? ENCODE_DEFAULTS.crf,
    threads: options.threads ?? null,
    pixelFormat: options.pixelFormat ?? 'rgb24',
    metadata: options.metadata ?? {},
    audio: options.audio ? { path: options.audio.path } : null,
  };
  for (const side of ['width', 'height'] as const) {
    // yuv420p stores chroma at half resolution in both directions, so libx264 refuses odd sides.
    if (!Number.isInteger(resolved[side]) || resolved[side] < 2 || resolved[side] % 2 !== 0) {
      throw new RangeError(`Expected an even integer >= 2 for ${side} but received ${resolved[side]}`);
    }
  }
  if (typeof resolved.output !== 'string' || resolved.output === '') {
    throw new TypeError(`Expected a file path for output but received ${String(resolved.output)}`);
  }
  if (!Number.isFinite(resolved.fps) || resolved.fps <= 0) {
    throw new RangeError(`Expected a positive number for fps but received ${resolved.fps}`);
  }
  if (resolved.pixelFormat !== 'rgb24' && resolved.pixelFormat !== 'yuv420p') {
    throw new RangeError(
      `Expected rgb24 or yuv420p for pixelFormat but received ${String(resolved.pixelFormat)}`,
    );
  }
  if (!X264_PRESETS.includes(resolved.preset)) {
    throw new RangeError(
      `Expected one of ${X264_PRESETS.join(', ')} for preset but received ${resolved.preset}`,
    );
  }
  if (!Number.isFinite(resolved.crf) || resolved.crf < 0 || resolved.crf > 51) {
    throw new RangeError(`Expected a number 0..51 for crf but received ${resolved.crf}`);
  }
  if (resolved.threads !== null) expectInteger('threads', resolved.threads, 0);
  for (const key of Object.keys(resolved.metadata)) {
    // ffmpeg splits `key=value` at the first '='.
    if (key === '' || key.includes('=')) {
      throw new RangeError(`Expected a metadata key without '=' but received ${JSON.stringify(key)}`);
    }
  }
  if (resolved.audio !== null && (typeof resolved.audio.path !== 'string' || resolved.audio.path === '')) {
    throw new TypeError(`Expected a file path for audio.path but received ${String(resolved.audio.path)}`);
  }
  return resolved;
}

/**
 * The ffmpeg command line (without the binary) that reads raw RGB24 frames from stdin and writes an H.264 MP4.
 * Pure, so it is tested without ffmpeg; it works with ffmpeg 4.1 (the npm static build) through 5.x.
 *
 * - RGB to YUV uses the BT.709 matrix in limited range, set explicitly on `scale`: swscale would use BT.601,
 *   and the file is tagged BT.709, so colours would shift in every player that believes the tags.
 * - `-loglevel warning -stats`: stderr carries ffmpeg's warnings and errors (kept for the error report) and one
 *   `frame=...` stats line about twice a second, which `parseFfmpegProgress` reads.
 * - `+faststart` moves the index to the front so a browser starts playing before the download ends.
 * - With `audio`, the WAV is a second input read as a plain file (`-f wav`, `file:` so no name is taken for a
 *   protocol or an option), mapped explicitly, encoded to AAC 48 kHz stereo, and cut by `-shortest` to the video.
 */
export function buildEncodeArgs(options: EncodeArgsOptions): string[] {
  const o = resolveEncodeArgs(options);
  const metadataKeys = Object.keys(o.metadata);
  const movflags = metadataKeys.every((key) => NATIVE_MP4_TAGS.has(key))
    ? '+faststart'
    : '+faststart+use_metadata_tags';
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'warning', '-stats', '-y'],
    ...['-f', 'rawvideo', '-pix_fmt', o.pixelFormat, '-video_size', `${o.width}x${o.height}`],
    ...['-framerate', String(o.fps), '-i', 'pipe:0'],
    ...(o.audio === null
      ? []
      : ['-f', 'wav', '-i', `file:${o.audio.path}`, '-map', '0:v:0', '-map', '1:a:0']),
    ...(o.pixelFormat === 'rgb24' ? ['-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p'] : []),
    ...['-c:v', 'libx264', '-preset', o.preset, '-crf', String(o.crf)],
    ...['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'],
    ...(o.threads === null ? [] : ['-threads', String(o.threads)]),
    ...(o.audio === null
      ? []
      : [
          ...['-c:a', AUDIO_ENCODE.codec, '-b:a', AUDIO_ENCODE.bitrate],
          ...['-ar', String(AUDIO_ENCODE.sampleRate), '-ac', String(AUDIO_ENCODE.channels), '-shortest'],
          // The WAV is read at once while frames trickle in; its packets wait for the video's first ones, and
          // ffmpeg 4.x gives up on more than 128 waiting (about 2.7 s of AAC) unless allowed more.
          ...['-max_muxing_queue_size', '4096'],
        ]),
    ...metadataKeys.flatMap((key) => ['-metadata', `${key}=${o.metadata[key]}`]),
    ...['-movflags', movflags, '-f', 'mp4', o.output],
  ];
}
