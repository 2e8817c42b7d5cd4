import { spawn, type ChildProcess } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';

import { abortError } from './abort-error.js';
import { BoundedLog } from './bounded-log.js';
import {
  buildEncodeArgs,
  rawFrameBytes,
  resolveEncodeArgs,
  type EncodeArgsOptions,
} from './build-encode-args.js';
import { EncodeError } from './encode-error.js';
import { LineSplitter } from './line-splitter.js';
import { parseFfmpegProgress, type FfmpegProgress } from './parse-ffmpeg-progress.js';
import { resolveFfmpeg } from './resolve-ffmpeg.js';

/** Options for {@link openEncoder}: the clip's encoding settings plus how to run ffmpeg. */
export interface EncoderOptions extends EncodeArgsOptions {
  /** The ffmpeg binary; default `resolveFfmpeg()`. */
  ffmpegPath?: string;
  /** Aborting kills ffmpeg, removes the partial output and rejects pending and later calls with an AbortError. */
  signal?: AbortSignal;
  /** Called with each stats report ffmpeg prints (about twice a second); a throw fails the encode. */
  onProgress?: (progress: FfmpegProgress) => void;
  /** How long ffmpeg gets to exit after SIGTERM before SIGKILL. Default 2000 ms. */
  killAfterMs?: number;
  /** How much of ffmpeg's stderr to keep for error reports, in characters. Default 64 KiB. */
  logLimit?: number;
}

/** What a finished encode produced. */
export interface EncodeResult {
  /** Frames written (and encoded: ffmpeg neither drops nor duplicates constant-rate raw input). */
  frames: number;
  path: string;
  /** Size of the MP4 file. */
  bytes: number;
}

/** A running ffmpeg that takes raw RGB24 frames. */
export interface Encoder {
  /**
   * Sends one frame of exactly width x height x 3 bytes. Resolves once ffmpeg's pipe has taken all of it, so
   * the caller may reuse the buffer then and not before, and a slow encoder slows the renderer instead of
   * piling frames up in memory. Rejects if ffmpeg has died or the encode was aborted.
   */
  write(frame: Uint8Array): Promise<void>;
  /** Ends the input and waits for ffmpeg; rejects with an EncodeError (partial file removed) if it failed. */
  finish(): Promise<EncodeResult>;
  /** Kills ffmpeg and removes the partial output, for a render that failed elsewhere; resolves when done. */
  cancel(reason?: unknown): Promise<void>;
  /** Frames accepted so far. */
  readonly framesWritten: number;
  /** ffmpeg's process id, `undefined` if it could not be started. */
  readonly pid: number | undefined;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

class FfmpegEncoder implements Encoder {
  readonly #child: ChildProcess;
  readonly #stdin: Writable;
  readonly #ffmpegPath: string;
  readonly #output: string;
  readonly #frameBytes: number;
  readonly #size: string;
  readonly #killAfterMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((progress: FfmpegProgress) => void) | undefined;
  readonly #log: BoundedLog;
  readonly #lines = new LineSplitter();
  readonly #closed: Promise<void>;
  #lastStats = '';
  #exit: Exit | null = null;
  #failure: Error | null = null;
  #killTimer: NodeJS.Timeout | null = null;
  #finishing: Promise<EncodeResult> | null = null;
  #framesWritten = 0;

  constructor(options: EncoderOptions) {
    const resolved = resolveEncodeArgs(options);
    this.#ffmpegPath = options.ffmpegPath ?? resolveFfmpeg();
    this.#output = resolved.output;
    this.#frameBytes = rawFrameBytes(resolved.width, resolved.height, resolved.pixelFormat);
    this.#size = `${resolved.width}x${resolved.height}`;
    this.#killAfterMs = options.killAfterMs ?? 2000;
    this.#signal = options.signal;
    this.#onProgress = options.onProgress;
    this.#log = new BoundedLog(options.logLimit);
    if (this.#signal?.aborted) throw abortError(this.#signal.reason, 'Encode aborted before it started');

    this.#child = spawn(this.#ffmpegPath, buildEncodeArgs(options), {
      stdio: ['pipe', 'ignore', 'pipe'],
      windowsHide: true,
    });
    this.#stdin = this.#child.stdin!;
    // EPIPE when ffmpeg exits early: the exit handler reports why; the stream error itself says nothing useful.
    this.#stdin.on('error', () => {});
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => this.#onStderr(this.#lines.push(chunk)));
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#closed = new Promise<void>((resolve) => {
      this.#child.once('error', (error: NodeJS.ErrnoException) => {
        // After a successful spawn, 'error' only means a kill() failed; 'close' still follows.
        if (this.#child.pid !== undefined) return;
        this.#failure ??= new EncodeError({
          code: 'ffmpeg_not_found',
          message: `could not start ffmpeg at ${this.#ffmpegPath} (${error.code ?? error.message})`,
          cause: error,
        });
        resolve(this.#onExit({ code: null, signal: null }));
      });
      this.#child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        resolve(this.#onExit({ code, signal }));
      });
    });
  }

  get framesWritten(): number {
    return this.#framesWritten;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  async write(frame: Uint8Array): Promise<void> {
    if (this.#finishing) throw new Error('Encoder.write() called after finish()');
    if (!(frame instanceof Uint8Array) || frame.byteLength !== this.#frameBytes) {
      const received = frame instanceof Uint8Array ? `${frame.byteLength} bytes` : typeof frame;
      throw new RangeError(
        `Expected a frame of ${this.#frameBytes} bytes (${this.#size} RGB24) but received ${received}`,
      );
    }
    if (this.#failure || this.#exit) throw await this.#terminalError();
    try {
      await new Promise<void>((resolve, reject) => {
        this.#stdin.write(frame, (error) => (error ? reject(error) : resolve()));
      });
      if (!this.#stdin.destroyed && this.#stdin.writableNeedDrain) await this.#drain();
    } catch {
      // The stream's own error (EPIPE, ECANCELED) says less than ffmpeg's exit; reported just below.
    }
    // A stream destroyed by abort() calls pending writes back *without* an error, so success is not trusted
    // until the encode is known to be alive.
    if (this.#failure || this.#stdin.destroyed) throw await this.#terminalError();
    this.#framesWritten++;
  }

  finish(): Promise<EncodeResult> {
    this.#finishing ??= this.#finish();
    return this.#finishing;
  }

  async cancel(reason?: unknown): Promise<void> {
    this.#terminate(abortError(reason, 'Encode cancelled'));
    await this.#closed;
  }

  async #finish(): Promise<EncodeResult> {
    if (!this.#failure && !this.#exit) this.#stdin.end();
    await this.#closed;
    if (this.#failure) throw this.#failure;
    if (this.#framesWritten === 0) {
      await rm(this.#output, { force: true });
      throw new EncodeError({
        code: 'ffmpeg_failed',
        message: 'no frames were written to the encoder',
        log: this.log,
      });
    }
    const { size } = await stat(this.#output);
    return { frames: this.#framesWritten, path: this.#output, bytes: size };
  }

  /** ffmpeg's stderr tail, with the latest stats line last (stats lines are not kept one by one). */
  get log(): string {
    const text = this.#log.toString();
    return this.#lastStats ? `${text}${this.#lastStats}\n` : text;
  }

  /** Waits for 'drain', or for the stream to die, whichever comes first. */
  #drain(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.#stdin.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.#stdin.off('drain', onDrain);
        reject(new Error('ffmpeg stdin closed'));
      };
      this.#stdin.on('drain', onDrain);
      this.#stdin.on('close', onClose);
    });
  }

  /** The error every call rejects with once the encode cannot succeed; waits for ffmpeg's last words first. */
  async #terminalError(): Promise<Error> {
    await this.#closed;
    return (this.#failure ??= new EncodeError({
      code: 'ffmpeg_failed',
      message: 'ffmpeg stopped reading frames',
      log: this.log,
      exitCode: this.#exit?.code,
      signal: this.#exit?.signal,
    }));
  }

  /** Describes a non-zero exit: how it ended, and the last thing ffmpeg said, which is usually the reason. */
  #exitError(exit: Exit): EncodeError {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const early = this.#finishing ? '' : ' before all frames were written';
    const lastLine = this.#log.toString().trimEnd().split('\n').pop() ?? '';
    return new EncodeError({
      code: 'ffmpeg_failed',
      message: `ffmpeg ${how}${early}${lastLine && lastLine !== '[...]' ? `: ${lastLine}` : ''}`,
      log: this.log,
      exitCode: exit.code,
      signal: exit.signal,
    });
  }

  #onStderr(lines: string[]): void {
    for (const line of lines) {
      const progress = parseFfmpegProgress(line);
      if (progress === null) {
        this.#log.append(`${line}\n`);
        continue;
      }
      this.#lastStats = line;
      try {
        this.#onProgress?.(progress);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        // After exit there is no process to stop, but the encode still fails with the callback's error.
        if (this.#exit) this.#failure ??= failure;
        else this.#terminate(failure);
      }
    }
  }

  readonly #onAbort = (): void => {
    this.#terminate(abortError(this.#signal?.reason, 'Encode aborted'));
  };

  /** Stops ffmpeg for good: SIGTERM, then SIGKILL if it has not exited after the grace period. */
  #terminate(error: Error): void {
    if (this.#failure || this.#exit) return;
    this.#failure = error;
    this.#stdin.destroy();
    if (this.#child.pid === undefined) return;
    this.#child.kill('SIGTERM');
    this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), this.#killAfterMs);
  }

  async #onExit(exit: Exit): Promise<void> {
    if (this.#exit) return;
    this.#exit = exit;
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#onStderr(this.#lines.flush());
    if (exit.code !== 0) this.#failure ??= this.#exitError(exit);
    // A killed or failed ffmpeg leaves a truncated MP4 without an index; nobody should mistake it for output.
    // An ffmpeg that never started touched nothing, so whatever is at the path is not ours to delete.
    if (this.#failure && this.#child.pid !== undefined) {
      try {
        await rm(this.#output, { force: true });
      } catch (error) {
        // The encode has failed already; a file we cannot remove is worth mentioning in its log, not a crash.
        this.#log.append(`inbetween: could not remove partial output ${this.#output}: ${String(error)}\n`);
      }
    }
  }
}

/**
 * Starts ffmpeg for one clip. Frames go in with `write()` in order; `finish()` closes the input and resolves
 * with the file once ffmpeg has written it. Every way out (finish, failure, abort, cancel) ends the process,
 * and every way but finish removes the output.
 *
 * @throws EncodeError `ffmpeg_not_found` when no ffmpeg is configured or found (only if `ffmpegPath` is absent);
 *   RangeError for bad options; an AbortError if `signal` is already aborted. A binary that cannot be started
 *   makes the first `write()` or `finish()` reject with `ffmpeg_not_found` instead.
 */
export function openEncoder(options: EncoderOptions): Encoder {
  return new FfmpegEncoder(options);
}
