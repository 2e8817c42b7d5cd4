import type { StoredTask, TaskOutput, UpstreamInfo } from '../store/index.js';

/** A stored input image: the bytes inbetween keeps with the task, and their format judged at create. */
export interface StoredImage {
  readonly bytes: Uint8Array;
  readonly format: 'png' | 'jpeg' | 'webp';
}

/** Why a render was stopped: the client's cancel propagates upstream; the others leave an upstream task be. */
export type StopKind = 'cancelled' | 'stopping' | 'lease_lost';

/** The reason an AbortSignal carries when the worker stops a render. */
export class RenderStopped extends Error {
  constructor(readonly kind: StopKind) {
    super(`render stopped: ${kind.replace('_', ' ')}`);
    this.name = 'RenderStopped';
  }
}

/** Whether `signal` was aborted because the client cancelled the task (rather than a stop or a lost lease). */
export function cancelledByClient(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof RenderStopped && signal.reason.kind === 'cancelled';
}

/** Everything a backend needs to render one claimed task. */
export interface RenderJob {
  readonly task: StoredTask;
  /** Keyframes, start first. */
  readonly images: readonly StoredImage[];
  /** The `wm_url` image, stored at create; null for the default text mark. */
  readonly watermark: StoredImage | null;
  /** Where this run writes its outputs: unique per run, so no other run can overwrite or delete them. */
  readonly outputKeys: { readonly video: string; readonly cover: string };
  readonly signal: AbortSignal;
  readonly onProgress: (fraction: number) => void;
  /** Records on the task which backend renders it (and the upstream task, once known). */
  readonly onBackend: (backend: string, upstream: UpstreamInfo | null) => Promise<void>;
}

/** A finished render: outputs already in inbetween's storage, plus which backend made them. */
export interface RenderResult extends TaskOutput {
  readonly backend: string;
  readonly upstream?: UpstreamInfo;
}

/** Anything that renders a task: the local engine or an upstream provider. */
export interface Backend {
  /** `local`, `vidu`, `gateway`: the name routes use. */
  readonly name: string;
  render(job: RenderJob): Promise<RenderResult>;
}

/**
 * The backend could not take the task and nothing was paid for: a provider that answered 5xx, 429, timed out or
 * refused the connection before it accepted. The router tries the next backend of the route.
 */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: string,
    message: string,
    /** How long the provider asked to be left alone (Retry-After), in ms. */
    readonly retryAfterMs: number | null = null,
    /** True when the failure says nothing about the provider's health (an input it cannot take). */
    readonly notTheProvidersFault = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * The task itself failed where it was rendered (moderation, generation failed, outputs that are not a video):
 * it ends failed with 002014012 and this message, and is not sent anywhere else (the input is the problem).
 */
export class TaskRenderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaskRenderError';
  }
}
