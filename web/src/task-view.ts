import { CallbackLog } from './callback-log.js';
import { byId, formatUsd, say } from './dom.js';
import type { TaskObject } from './types.js';

const STATUS_WORDS: Record<TaskObject['status'], string> = {
  pending: 'Waiting for a worker',
  processing: 'Rendering',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * A link to a stored file as this page should load it. The signature covers the path and the expiry, not the
 * host, and the files are served by the same service as this page: loading them from the page's own origin
 * keeps them inside the page's Content-Security-Policy ('self') even when the server's public URL names
 * another host (127.0.0.1 against localhost, a proxy's name). Links elsewhere (object storage) stay as they are.
 */
export function pageFileUrl(url: string): string {
  const parsed = new URL(url, location.href);
  return parsed.pathname.startsWith('/files/') ? `${parsed.pathname}${parsed.search}` : parsed.href;
}

/** The task panel: status, progress, then the video and what the task reports about it, and its callbacks. */
export class TaskView {
  #section = byId('task', HTMLElement);
  #id = byId('task-id', HTMLElement);
  #status = byId('task-status', HTMLElement);
  #progress = byId('task-progress', HTMLProgressElement);
  #error = byId('task-error', HTMLElement);
  #cancel = byId('task-cancel', HTMLButtonElement);
  #result = byId('task-result', HTMLElement);
  #video = byId('task-video', HTMLVideoElement);
  #cost = byId('task-cost', HTMLElement);
  #seed = byId('task-seed', HTMLElement);
  #size = byId('task-size', HTMLElement);
  #recPrompt = byId('task-rec-prompt', HTMLElement);
  #download = byId('task-download', HTMLAnchorElement);
  #cover = byId('task-cover', HTMLImageElement);
  #shownVideo = '';
  #callbacks: CallbackLog;

  constructor(onCancel: (id: string) => void, token: () => string) {
    this.#cancel.addEventListener('click', () => onCancel(this.#id.textContent ?? ''));
    this.#callbacks = new CallbackLog(token);
  }

  /** The id of the task on show, or ''. */
  get taskId(): string {
    return this.#section.hidden ? '' : (this.#id.textContent ?? '');
  }

  /**
   * Shows a task in whatever state it is; called again with each update. `hasCallbacks` says whether the task
   * was created with a `callback_url`, when the page knows (it created the task).
   */
  show(task: TaskObject, hasCallbacks?: boolean): void {
    this.#callbacks.update(task, hasCallbacks);
    this.#section.hidden = false;
    this.#section.dataset.status = task.status;
    this.#id.textContent = task.id;
    const percent = Math.round((task.progress ?? 0) * 100);
    const detail = task.status === 'processing' ? `, ${percent}%` : '';
    say(this.#status, `${STATUS_WORDS[task.status]}${detail}`);
    this.#progress.value = task.status === 'completed' ? 100 : percent;
    this.#progress.hidden = task.status === 'failed' || task.status === 'cancelled';
    this.#cancel.hidden = task.status !== 'pending' && task.status !== 'processing';
    say(this.#error, task.error ? `${task.error.code}: ${task.error.message}` : '');
    const video = task.status === 'completed' ? task.output?.[0]?.content[0] : undefined;
    this.#result.hidden = video === undefined;
    if (video === undefined) {
      this.#showVideo('');
      return;
    }
    const metadata = task.metadata ?? {};
    this.#cost.textContent =
      formatUsd(task.usage?.cost) +
      (task.usage && task.usage.discount !== 1 ? ` (×${task.usage.discount})` : '');
    this.#seed.textContent = metadata.seed === undefined ? '—' : String(metadata.seed);
    this.#size.textContent =
      metadata.width && metadata.height
        ? `${metadata.width}x${metadata.height}, ${video.duration} s`
        : `${video.duration} s`;
    this.#recPrompt.textContent = metadata.recommended_prompt || '— (is_rec was off)';
    this.#showVideo(pageFileUrl(video.url));
    this.#download.href = pageFileUrl(video.url);
    this.#download.setAttribute('download', `${task.id}.mp4`);
    if (video.cover_url) this.#cover.src = pageFileUrl(video.cover_url);
    this.#cover.hidden = !video.cover_url;
  }

  /** Empties the panel (a new task is being sent). */
  reset(): void {
    this.#section.hidden = true;
    this.#showVideo('');
  }

  /** The panel's heading, to move focus to when a task opens. */
  focus(): void {
    byId('task-heading', HTMLElement).setAttribute('tabindex', '-1');
    byId('task-heading', HTMLElement).focus();
  }

  #showVideo(url: string): void {
    // Setting the same source again would restart playback on every update.
    if (url === this.#shownVideo) return;
    this.#shownVideo = url;
    if (url) {
      this.#video.src = url;
      // Asked for, not left to the autoplay attribute, which Chromium pauses while the video is off screen;
      // a browser that refuses still shows the controls.
      this.#video.play().catch(() => undefined);
    } else {
      this.#video.removeAttribute('src');
      this.#video.load();
    }
  }
}
