import { callApi, describeFailure } from './api.js';
import { byId, h, say } from './dom.js';
import { isTerminal, type CallbackEntry, type TaskObject } from './types.js';

/** Looks again this often after the final status while a first attempt is still due (the dispatcher polls). */
const FOLLOW_UP_MS = 1000;
const FOLLOW_UPS = 5;

/**
 * The task panel's callback log: one row per status change sent to the task's `callback_url`, with its state,
 * attempts and the receiver's last answer. Loaded when a task with callbacks opens, again when it reaches a
 * final status, and by Refresh. The task object does not say whether it has a callback URL, so a task reopened
 * from the list is asked once, and the log shows only if it has entries.
 */
export class CallbackLog {
  #section = byId('task-callbacks', HTMLElement);
  #url = byId('callbacks-url', HTMLElement);
  #status = byId('callbacks-status', HTMLElement);
  #body = byId('callbacks-body', HTMLTableSectionElement);
  #token: () => string;
  #taskId = '';
  /** Whether the task has callbacks: known at create, found out by the first load for a reopened one. */
  #has: boolean | null = null;
  #finalLoaded = false;
  #followUp: ReturnType<typeof setTimeout> | undefined;

  constructor(token: () => string) {
    this.#token = token;
    byId('callbacks-refresh', HTMLButtonElement).addEventListener('click', () => void this.#load(0));
  }

  /**
   * Follows the task on show; `hasCallbacks` is known when the page created the task, and left out when it
   * reopens one.
   */
  update(task: TaskObject, hasCallbacks?: boolean): void {
    if (task.id !== this.#taskId) {
      clearTimeout(this.#followUp);
      this.#taskId = task.id;
      this.#has = hasCallbacks ?? null;
      this.#finalLoaded = false;
      this.#section.hidden = this.#has !== true;
      this.#body.replaceChildren();
      if (this.#has !== false && !isTerminal(task.status)) void this.#load(0);
    }
    if (isTerminal(task.status) && !this.#finalLoaded && this.#has !== false) {
      this.#finalLoaded = true;
      void this.#load(FOLLOW_UPS);
    }
  }

  async #load(followUps: number): Promise<void> {
    const id = this.#taskId;
    clearTimeout(this.#followUp);
    try {
      const { callbacks } = await callApi<{ callbacks: CallbackEntry[] }>(
        `/model/v1/generation/task/${encodeURIComponent(id)}/callbacks`,
        { token: this.#token() },
      );
      if (id !== this.#taskId) return;
      this.#has = callbacks.length > 0;
      this.#section.hidden = !this.#has;
      this.#url.textContent = callbacks[0]?.url ?? '';
      this.#body.replaceChildren(...callbacks.map(callbackRow));
      say(this.#status, '');
      // The final status's callback is written with it and sent a moment later: look again until it has gone.
      if (followUps > 0 && callbacks.some((entry) => entry.state === 'pending' && entry.attempts === 0)) {
        this.#followUp = setTimeout(() => void this.#load(followUps - 1), FOLLOW_UP_MS);
      }
    } catch (error) {
      if (id === this.#taskId && this.#has) say(this.#status, describeFailure(error));
    }
  }
}

function callbackRow(entry: CallbackEntry): HTMLTableRowElement {
  const answer =
    entry.last_status !== null
      ? `HTTP ${entry.last_status}${entry.last_error ? `: ${entry.last_error}` : ''}`
      : (entry.last_error ?? '—');
  return h(
    'tr',
    { 'data-event': entry.event, 'data-state': entry.state },
    h('th', { scope: 'row', 'data-label': 'Event' }, entry.event),
    h('td', { 'data-label': 'State' }, h('span', { class: `state state-${entry.state}` }, entry.state)),
    h('td', { 'data-label': 'Attempts' }, String(entry.attempts)),
    h('td', { 'data-label': 'Last answer' }, answer),
  );
}
