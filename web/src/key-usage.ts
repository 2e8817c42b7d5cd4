import { callApi, describeFailure } from './api.js';
import { byId, formatTime, formatUsd, h, say } from './dom.js';
import type { KeyUsage, KeyView, LedgerEntry } from './types.js';

const PAGE_SIZE = 20;

/** How each kind of entry reads, and how it moves the available balance (amounts are never negative). */
const KINDS: Record<LedgerEntry['kind'], { word: string; sign: string; note: string }> = {
  top_up: { word: 'Top-up', sign: '+', note: '' },
  hold: { word: 'Hold', sign: '−', note: '' },
  charge: { word: 'Charge', sign: '', note: ' held → spent' },
  refund: { word: 'Refund', sign: '+', note: '' },
};

/**
 * The usage panel of `/keys`: one key's account and its ledger, newest first, a page at a time. Opening it
 * moves the focus to it; Escape or Close shuts it and gives the focus back to the key's Usage button.
 */
export class KeyUsagePanel {
  #panel = byId('usage', HTMLElement);
  #name = byId('usage-name', HTMLElement);
  #facts = byId('usage-facts', HTMLElement);
  #status = byId('usage-status', HTMLElement);
  #table = byId('usage-table', HTMLTableElement);
  #body = byId('usage-body', HTMLTableSectionElement);
  #more = byId('usage-more', HTMLButtonElement);
  #token: () => string;
  #key: KeyView | null = null;
  #before: number | null = null;

  constructor(token: () => string) {
    this.#token = token;
    byId('usage-close', HTMLButtonElement).addEventListener('click', () => this.close());
    this.#panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    this.#more.addEventListener('click', () => void this.#load(false));
  }

  /** The key on show, or null. */
  get keyId(): string | null {
    return this.#key?.id ?? null;
  }

  /** Shows a key's usage from its newest entry, and moves the focus to the panel. */
  async open(key: KeyView): Promise<void> {
    this.#key = key;
    this.#name.textContent = key.name;
    this.#panel.hidden = false;
    this.#panel.focus();
    await this.#load(true);
  }

  /** Reloads the first page of the key on show (after a top-up, say). */
  async refresh(): Promise<void> {
    if (this.#key && !this.#panel.hidden) await this.#load(true);
  }

  close(): void {
    if (this.#panel.hidden) return;
    this.#panel.hidden = true;
    const id = this.#key?.id ?? '';
    this.#key = null;
    const button = document.querySelector<HTMLElement>(`tr[data-key-id="${CSS.escape(id)}"] .usage`);
    (button ?? byId('list-heading', HTMLElement)).focus();
  }

  async #load(first: boolean): Promise<void> {
    const key = this.#key;
    if (!key) return;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (!first && this.#before !== null) query.set('before', String(this.#before));
    say(this.#status, 'Loading…');
    try {
      const usage = await callApi<KeyUsage>(
        `/admin/v1/keys/${encodeURIComponent(key.id)}/usage?${query.toString()}`,
        { token: this.#token() },
      );
      if (this.#key !== key) return;
      this.#facts.replaceChildren(
        ...[
          ['Balance', usage.balance === null ? 'unlimited' : formatUsd(usage.balance)],
          ['Held', formatUsd(usage.held)],
          ['Spent', formatUsd(usage.spent)],
          ['Refunded', formatUsd(usage.refunded)],
          ['Topped up', formatUsd(usage.topped_up)],
        ].map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))),
      );
      if (first) this.#body.replaceChildren();
      this.#body.append(...usage.ledger.map(entryRow));
      this.#before = usage.next_before;
      // The last page hides More; focus on it would fall back to the body, out of the panel's Escape.
      if (usage.next_before === null && document.activeElement === this.#more) this.#panel.focus();
      this.#more.hidden = usage.next_before === null;
      this.#table.hidden = this.#body.childElementCount === 0;
      say(this.#status, this.#body.childElementCount === 0 ? 'No ledger entries yet.' : '');
    } catch (error) {
      if (this.#key === key) say(this.#status, describeFailure(error));
    }
  }
}

function entryRow(entry: LedgerEntry): HTMLTableRowElement {
  const kind = KINDS[entry.kind];
  return h(
    'tr',
    { 'data-kind': entry.kind },
    h('td', { 'data-label': 'When' }, formatTime(entry.created_at)),
    h('td', { 'data-label': 'Kind' }, kind.word),
    h('td', { 'data-label': 'Amount' }, `${kind.sign}${formatUsd(entry.amount)}${kind.note}`),
    h('td', { 'data-label': 'Task' }, entry.task_id ? h('code', {}, entry.task_id) : '—'),
  );
}
