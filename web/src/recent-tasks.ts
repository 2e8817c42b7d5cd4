import { callApi, describeFailure } from './api.js';
import { byId, formatTime, formatUsd, h, say } from './dom.js';
import type { TaskObject, TaskPage } from './types.js';

const PAGE_SIZE = 20;

/** The key's tasks, newest first, each with a button that opens it in the task panel. */
export class RecentTasks {
  #list = byId('recent-list', HTMLUListElement);
  #status = byId('recent-status', HTMLElement);
  #more = byId('recent-more', HTMLButtonElement);
  #cursor: string | null = null;
  #token = () => '';
  #onOpen: (task: TaskObject) => void;

  constructor(token: () => string, onOpen: (task: TaskObject) => void) {
    this.#token = token;
    this.#onOpen = onOpen;
    byId('recent-refresh', HTMLButtonElement).addEventListener('click', () => void this.refresh());
    this.#more.addEventListener('click', () => void this.#load(false));
  }

  /** Reloads the first page. */
  async refresh(): Promise<void> {
    await this.#load(true);
  }

  /** Puts a task's new state in its row, or a new row on top, without a round trip. */
  update(task: TaskObject): void {
    const row = this.#row(task);
    const existing = this.#list.querySelector(`li[data-task-id="${CSS.escape(task.id)}"]`);
    if (existing) existing.replaceWith(row);
    else this.#list.prepend(row);
    say(this.#status, '');
  }

  async #load(first: boolean): Promise<void> {
    const token = this.#token();
    if (!token) {
      this.#list.replaceChildren();
      this.#more.hidden = true;
      say(this.#status, 'Enter an API key to see its tasks.');
      return;
    }
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (!first && this.#cursor) query.set('cursor', this.#cursor);
    try {
      const page = await callApi<TaskPage>(`/model/v1/generation/tasks?${query.toString()}`, { token });
      if (first) this.#list.replaceChildren();
      this.#list.append(...page.tasks.map((task) => this.#row(task)));
      this.#cursor = page.next_cursor;
      this.#more.hidden = page.next_cursor === null;
      say(this.#status, this.#list.childElementCount === 0 ? 'No tasks yet.' : '');
    } catch (error) {
      say(this.#status, describeFailure(error));
    }
  }

  #row(task: TaskObject): HTMLLIElement {
    const metadata = task.metadata ?? {};
    const what = [
      metadata.duration === undefined ? null : `${String(metadata.duration)} s`,
      metadata.resolution ?? null,
      task.usage ? formatUsd(task.usage.cost) : null,
    ].filter((part) => part !== null);
    const open = h('button', { type: 'button', class: 'secondary' }, 'Open');
    open.setAttribute('aria-label', `Open task ${task.id}`);
    open.addEventListener('click', () => this.#onOpen(task));
    return h(
      'li',
      { 'data-task-id': task.id, 'data-status': task.status },
      h(
        'div',
        { class: 'task-line' },
        h('span', { class: `state state-${task.status}` }, task.status),
        h('code', {}, task.id),
      ),
      h(
        'div',
        { class: 'task-line hint' },
        formatTime(task.created_at),
        what.length ? ` · ${what.join(' · ')}` : '',
      ),
      metadata.prompt ? h('div', { class: 'task-prompt' }, metadata.prompt) : null,
      open,
    );
  }
}
