/** Why an encode failed: ffmpeg could not be started, or it ran and gave up. */
export type EncodeErrorCode = 'ffmpeg_failed' | 'ffmpeg_not_found';

/** Options for {@link EncodeError}. */
export interface EncodeErrorOptions {
  code: EncodeErrorCode;
  message: string;
  /** The tail of ffmpeg's stderr, where its own reason is; empty when it never ran. */
  log?: string;
  /** ffmpeg's exit status, or `null` when it was killed by a signal or never started. */
  exitCode?: number | null;
  /** The signal that ended ffmpeg, if any (the OOM killer's SIGKILL, say). */
  signal?: NodeJS.Signals | null;
  cause?: unknown;
}

/**
 * An encode that did not produce a video. The message is one line for logs and task errors; `log` carries
 * ffmpeg's own words (the last 64 KB of its stderr) for whoever has to find out why.
 */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  readonly code: EncodeErrorCode;
  readonly log: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;

  constructor(options: EncodeErrorOptions) {
    super(options.message, { cause: options.cause });
    this.code = options.code;
    this.log = options.log ?? '';
    this.exitCode = options.exitCode ?? null;
    this.signal = options.signal ?? null;
  }
}
