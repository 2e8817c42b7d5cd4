/**
 * The few DOM helpers both pages share. Text always goes in as text nodes, never as HTML: prompts, names and
 * payloads are user input.
 */

type Constructor<T> = { new (): T; prototype: T };

/** The element with this id, checked to be of the expected kind; a missing one is a bug in the page. */
export function byId<T extends HTMLElement>(id: string, kind: Constructor<T>): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`#${id} is missing or not a ${kind.name}`);
  return element;
}

type Child = Node | string | null | undefined | false;

/** A new element with attributes (`class`, `aria-*`, ...) and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A timestamp in the reader's locale and time zone; an em dash for none. */
export function formatTime(time: string | number | null | undefined): string {
  if (time === null || time === undefined || time === '') return '—';
  // Task objects carry integer Unix seconds; the admin API's key and ledger views carry ISO strings.
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toLocaleString();
}

/** A USD string as money: "$0.3250". */
export function formatUsd(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  return `$${amount}`;
}

/**
 * Copies text to the clipboard and says so on the button (and to screen readers, through its live region).
 * The Clipboard API needs a secure context (https or localhost); elsewhere the text is selected instead.
 */
export async function copyText(
  text: string,
  button: HTMLButtonElement,
  fallback: HTMLElement,
): Promise<void> {
  const label = button.textContent ?? 'Copy';
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(fallback);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => (button.textContent = label), 2000);
}

/** A file size for people: "5.6 KB", "3.2 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A message in a status or alert element; an empty message hides it. */
export function say(element: HTMLElement, message: string): void {
  element.textContent = message;
  element.hidden = message === '';
}
