/**
 * Key management at `/keys`: with the admin token, create keys (the secret and the webhook secret are shown
 * once), list them with their money, top up, read a key's usage and ledger, rotate a webhook secret (the new one
 * shown once) and revoke.
 */
import { callApi, describeFailure } from './api.js';
import { byId, copyText, formatTime, formatUsd, h, say } from './dom.js';
import { KeyUsagePanel } from './key-usage.js';
import type { CreatedKey, KeyView, RotatedKey } from './types.js';

const TOKEN_STORAGE = 'inbetween.adminToken';

const tokenInput = byId('admin-token', HTMLInputElement);
const status = byId('keys-status', HTMLElement);
const table = byId('keys-table', HTMLTableElement);
const tbody = byId('keys-body', HTMLTableSectionElement);
const createForm = byId('create-form', HTMLFormElement);
const createError = byId('create-error', HTMLElement);
const created = byId('created', HTMLElement);
const rotated = byId('rotated', HTMLElement);
const usage = new KeyUsagePanel(token);

function token(): string {
  return tokenInput.value.trim();
}

async function load(): Promise<void> {
  if (!token()) {
    table.hidden = true;
    say(status, 'Enter the admin token to see the keys.');
    return;
  }
  say(status, 'Loading…');
  try {
    const { keys } = await callApi<{ keys: KeyView[] }>('/admin/v1/keys', { token: token() });
    tbody.replaceChildren(...keys.map(row));
    table.hidden = keys.length === 0;
    say(status, keys.length === 0 ? 'No keys yet.' : `${keys.length} ${keys.length === 1 ? 'key' : 'keys'}.`);
    await usage.refresh();
  } catch (error) {
    table.hidden = true;
    say(status, describeFailure(error));
  }
}

function balanceText(key: KeyView): string {
  if (key.balance === undefined) return '—';
  if (key.balance === null) return 'unlimited';
  const held = key.held && Number(key.held) !== 0 ? ` (${formatUsd(key.held)} held)` : '';
  return formatUsd(key.balance) + held;
}

function cell(label: string, ...content: (Node | string)[]): HTMLTableCellElement {
  return h('td', { 'data-label': label }, ...content);
}

function row(key: KeyView): HTMLTableRowElement {
  const revoked = key.revoked_at !== null;
  const actions = h('td', { class: 'actions', 'data-label': 'Actions' });
  const tr = h(
    'tr',
    { 'data-key-id': key.id, class: revoked ? 'revoked' : '' },
    h('th', { scope: 'row', 'data-label': 'Name' }, key.name),
    cell('Prefix', h('code', {}, `${key.prefix}…`)),
    cell('Created', formatTime(key.created_at)),
    cell(
      'Last used',
      key.last_used_at === undefined ? '—' : key.last_used_at ? formatTime(key.last_used_at) : 'never',
    ),
    cell('Balance', balanceText(key)),
    cell('Spent', formatUsd(key.spent)),
    cell('State', revoked ? `revoked ${formatTime(key.revoked_at)}` : 'active'),
    actions,
  );
  const open = h('button', { type: 'button', class: 'secondary usage', 'aria-controls': 'usage' }, 'Usage');
  open.setAttribute('aria-label', `Usage of key ${key.name} (${key.prefix}…)`);
  open.addEventListener('click', () => void usage.open(key));
  actions.append(open);
  if (!revoked) {
    if (key.balance !== null && key.balance !== undefined) actions.append(topUpForm(key));
    const rotate = h('button', { type: 'button', class: 'secondary' }, 'Rotate webhook secret');
    rotate.setAttribute('aria-label', `Rotate the webhook secret of key ${key.name} (${key.prefix}…)`);
    rotate.addEventListener('click', () => void rotateWebhookSecret(key));
    actions.append(rotate);
    const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke');
    revoke.setAttribute('aria-label', `Revoke key ${key.name} (${key.prefix}…)`);
    revoke.addEventListener('click', () => void revokeKey(key));
    actions.append(revoke);
  }
  return tr;
}

function topUpForm(key: KeyView): HTMLFormElement {
  const id = `top-up-${key.id}`;
  const input = h('input', {
    id,
    type: 'text',
    inputmode: 'decimal',
    placeholder: '5.00',
    autocomplete: 'off',
    size: '7',
  });
  const error = h('span', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'top-up', novalidate: true },
    h('label', { for: id }, h('span', { class: 'visually-hidden' }, `Top up ${key.name} by (USD)`), '$'),
    input,
    h('button', { type: 'submit', class: 'secondary' }, 'Top up'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void topUp(key, input.value.trim(), error);
  });
  return form;
}

async function topUp(key: KeyView, amount: string, error: HTMLElement): Promise<void> {
  try {
    await callApi<KeyView>(`/admin/v1/keys/${encodeURIComponent(key.id)}/top-up`, {
      token: token(),
      body: { amount },
    });
    await load();
    say(status, `Topped up ${key.name} by $${amount}.`);
  } catch (failure) {
    say(error, describeFailure(failure));
  }
}

async function revokeKey(key: KeyView): Promise<void> {
  const sure = confirm(
    `Revoke the key "${key.name}" (${key.prefix}…)? Every app that uses it is refused from now on. This cannot be undone.`,
  );
  if (!sure) return;
  try {
    await callApi<KeyView>(`/admin/v1/keys/${encodeURIComponent(key.id)}/revoke`, {
      token: token(),
      method: 'POST',
    });
    await load();
    say(status, `Revoked ${key.name}.`);
    byId('list-heading', HTMLElement).focus();
  } catch (error) {
    say(status, describeFailure(error));
  }
}

async function rotateWebhookSecret(key: KeyView): Promise<void> {
  const sure = confirm(
    `Give the key "${key.name}" (${key.prefix}…) a new webhook secret? For 24 hours callbacks are signed with the old and the new one, so receivers can switch over; then only the new one.`,
  );
  if (!sure) return;
  try {
    const answer = await callApi<RotatedKey>(
      `/admin/v1/keys/${encodeURIComponent(key.id)}/rotate-webhook-secret`,
      { token: token(), method: 'POST' },
    );
    byId('rotated-name', HTMLElement).textContent = key.name;
    byId('rotated-webhook', HTMLElement).textContent = answer.webhook_secret;
    byId('rotated-until', HTMLElement).textContent =
      `The old secret keeps signing callbacks, beside the new one, until ${formatTime(answer.previous_webhook_secret_valid_until)}.`;
    rotated.hidden = false;
    rotated.focus();
  } catch (error) {
    say(status, describeFailure(error));
  }
}

async function create(): Promise<void> {
  say(createError, '');
  if (!token()) {
    say(createError, 'unauthorized: Enter the admin token first.');
    tokenInput.focus();
    return;
  }
  const name = byId('key-name', HTMLInputElement).value.trim();
  const balance = byId('key-balance', HTMLInputElement).value.trim();
  try {
    const key = await callApi<CreatedKey>('/admin/v1/keys', {
      token: token(),
      body: { ...(name ? { name } : {}), ...(balance ? { balance } : {}) },
    });
    byId('created-name', HTMLElement).textContent = key.name;
    byId('new-key', HTMLElement).textContent = key.key;
    byId('new-webhook', HTMLElement).textContent = key.webhook_secret ?? '';
    byId('new-webhook-row', HTMLElement).hidden = !key.webhook_secret;
    created.hidden = false;
    created.focus();
    createForm.reset();
    await load();
  } catch (error) {
    say(createError, describeFailure(error));
  }
}

/** The new webhook secret leaves the page once the user says they have it (or forgets the token). */
function hideRotated(): void {
  byId('rotated-webhook', HTMLElement).textContent = '';
  rotated.hidden = true;
}

/** A Copy button for the secret shown in the element `codeId`. */
function copyButton(buttonId: string, codeId: string): void {
  const button = byId(buttonId, HTMLButtonElement);
  const code = byId(codeId, HTMLElement);
  button.addEventListener('click', () => void copyText(code.textContent ?? '', button, code));
}

function setUp(): void {
  tokenInput.value = sessionStorage.getItem(TOKEN_STORAGE) ?? '';
  byId('list-heading', HTMLElement).setAttribute('tabindex', '-1');
  byId('admin-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    if (token()) sessionStorage.setItem(TOKEN_STORAGE, token());
    void load();
  });
  byId('admin-forget', HTMLButtonElement).addEventListener('click', () => {
    tokenInput.value = '';
    sessionStorage.removeItem(TOKEN_STORAGE);
    tbody.replaceChildren();
    hideRotated();
    usage.close();
    void load();
    tokenInput.focus();
  });
  createForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void create();
  });
  copyButton('copy-key', 'new-key');
  copyButton('copy-webhook', 'new-webhook');
  copyButton('copy-rotated', 'rotated-webhook');
  byId('created-done', HTMLButtonElement).addEventListener('click', () => {
    // The secrets leave the page once the user says they have them.
    byId('new-key', HTMLElement).textContent = '';
    byId('new-webhook', HTMLElement).textContent = '';
    created.hidden = true;
    byId('key-name', HTMLInputElement).focus();
  });
  byId('rotated-done', HTMLButtonElement).addEventListener('click', () => {
    hideRotated();
    byId('list-heading', HTMLElement).focus();
  });
  byId('keys-refresh', HTMLButtonElement).addEventListener('click', () => void load());
}

setUp();
void load();
document.documentElement.dataset.ready = 'true';
