import type { AllowList } from '../../media/index.js';
import type { BlobStorage } from '../../storage/index.js';
import { TaskRenderError } from '../backend.js';
import { copyOutput, OutputCopyError } from './copy-output.js';
import { pause } from './pause.js';
import type { UpstreamStatus } from './upstream-provider.js';

/** Options of {@link copyOutputs}. */
export interface CopyOutputsOptions {
  readonly storage: BlobStorage;
  /** The status that reported success, with the first URLs. */
  readonly first: UpstreamStatus;
  /** Asks the provider again: its URLs are signed and expire, a new answer carries fresh ones. */
  readonly refresh: () => Promise<UpstreamStatus>;
  readonly keys: { readonly video: string; readonly cover: string };
  readonly maxOutputBytes: number;
  readonly downloadTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly copyAttempts?: number;
  /** Private addresses the downloads may reach all the same (INBETWEEN_ALLOW_PRIVATE_HOSTS). */
  readonly allowList: AllowList;
  readonly signal: AbortSignal;
}

/**
 * Copies a succeeded upstream task's video (and cover, when there is one) into inbetween's storage, retrying
 * with fresh URLs; the task completes only once both are stored. After the last try, or for a file that is not
 * what it should be, the task fails with the reason (the provider was paid; its output could not be kept).
 */
export async function copyOutputs(
  options: CopyOutputsOptions,
): Promise<{ videoKey: string; coverKey: string | null }> {
  const tries = options.copyAttempts ?? 5;
  let status = options.first;
  let videoKey: string | null = null;
  let coverKey: string | null = null;
  let lastProblem = '';
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      videoKey ??= await copy(options, status.videoUrl, options.keys.video, 'video');
    } catch (error) {
      if (!(error instanceof OutputCopyError)) throw error;
      lastProblem = error.message;
      if (error.permanent) break;
      videoKey = null;
    }
    try {
      if (videoKey !== null && status.coverUrl)
        coverKey ??= await copy(options, status.coverUrl, options.keys.cover, 'cover');
      if (videoKey !== null) return { videoKey, coverKey };
    } catch (error) {
      // A cover that is not an image is left out rather than costing the task its paid video.
      if (error instanceof OutputCopyError && error.permanent) return { videoKey: videoKey!, coverKey: null };
      if (!(error instanceof OutputCopyError)) throw error;
      lastProblem = error.message;
      if (error.permanent) break;
    }
    if (attempt === tries) break;
    await pause(options.pollIntervalMs * 2 ** (attempt - 1), options.signal);
    status = await options.refresh().catch(() => status);
  }
  await options.storage.deleteMany([videoKey, coverKey].filter((key): key is string => key !== null));
  throw new TaskRenderError(`the upstream output could not be stored: ${lastProblem}`);
}

async function copy(
  options: CopyOutputsOptions,
  url: string | undefined,
  key: string,
  kind: 'video' | 'cover',
): Promise<string> {
  if (!url) throw new OutputCopyError(`the provider gave no ${kind} URL`, true);
  const copied = await copyOutput({
    storage: options.storage,
    url,
    key,
    kind,
    maxBytes: options.maxOutputBytes,
    timeoutMs: options.downloadTimeoutMs,
    allowList: options.allowList,
    signal: options.signal,
  });
  return copied.key;
}
