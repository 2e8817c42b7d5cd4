import type { StoredTask } from '../../store/index.js';
import type { StoredImage } from '../backend.js';

/** What a provider is asked to make. */
export interface UpstreamSubmission {
  readonly task: StoredTask;
  readonly images: readonly StoredImage[];
  readonly watermark: StoredImage | null;
  /** inbetween's own tag (task id and upstream attempt), sent as the upstream `payload` and found by it again. */
  readonly tag: string;
}

/** An upstream task's state in inbetween's terms. */
export interface UpstreamStatus {
  readonly state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** 0..1 when the provider reports it. */
  readonly progress?: number;
  /** When succeeded; provider URLs expire, so they are fetched again when a copy fails. */
  readonly videoUrl?: string;
  readonly coverUrl?: string;
  /** Seconds, when the provider says. */
  readonly duration?: number;
  /** What the provider charged (so far): credits, or USD as a decimal string. */
  readonly credits?: number;
  readonly costUsd?: string;
  /** The provider's reason for a failure: err_code, error message. */
  readonly reason?: string;
}

/**
 * One upstream API, mapped to and from inbetween's terms. Every method throws `ProviderHttpError` for calls that
 * went wrong, saying whether the provider can have acted on them.
 */
export interface UpstreamProvider {
  readonly name: string;
  /** The provider's model name for one of inbetween's model ids. */
  upstreamModel(model: string): string;
  /** Checks that the provider can take this task at all (body limits); throws a message when not. */
  check(submission: UpstreamSubmission): void;
  /** Creates the upstream task; answers its id and, when the answer says, the credits it will cost. */
  submit(submission: UpstreamSubmission, signal: AbortSignal): Promise<{ id: string; credits?: number }>;
  status(id: string, signal: AbortSignal): Promise<UpstreamStatus>;
  /** Asks the provider to cancel; false when it says the task cannot be cancelled any more. */
  cancel(id: string, signal: AbortSignal): Promise<boolean>;
  /** The id of the upstream task carrying `tag`, made at `since` or later; null when there is none. */
  findByTag(tag: string, since: Date, signal: AbortSignal): Promise<string | null>;
}
