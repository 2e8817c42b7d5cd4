import { callApi, describeFailure } from './api.js';
import { byId, formatUsd, say } from './dom.js';
import type { Account } from './types.js';

/** How a key's money reads beside its field: "Balance $9.9350 (held $0.0650) · spent $0.0650". */
export function accountText(account: Account): string {
  const held = Number(account.held) !== 0 ? ` (held ${formatUsd(account.held)})` : '';
  const balance = account.balance === null ? 'Unlimited' : `Balance ${formatUsd(account.balance)}`;
  return `${balance}${held} · spent ${formatUsd(account.spent)}`;
}

/**
 * The playground's line under the API key: the key's balance, held and spent money from `GET /model/v1/account`,
 * reloaded when the key changes and as tasks hold and settle money. A refused key reads as the API says it.
 */
export class KeyAccount {
  #line = byId('account', HTMLElement);
  #token: () => string;
  #request: AbortController | null = null;

  constructor(token: () => string) {
    this.#token = token;
  }

  async refresh(): Promise<void> {
    // Only the latest answer counts: a slow one for the previous key must not overwrite the current key's.
    this.#request?.abort();
    const token = this.#token();
    if (!token) {
      this.#show('', false);
      return;
    }
    const controller = new AbortController();
    this.#request = controller;
    try {
      const account = await callApi<Account>('/model/v1/account', { token, signal: controller.signal });
      this.#show(accountText(account), false);
    } catch (error) {
      if (!controller.signal.aborted) this.#show(describeFailure(error), true);
    }
  }

  #show(text: string, failed: boolean): void {
    say(this.#line, text);
    this.#line.classList.toggle('error', failed);
  }
}
