/**
 * The last `limit` characters of a process's log. ffmpeg's reason for failing is at the end of its output, and a
 * long encode must not grow memory without bound, so older text is dropped first.
 */
export class BoundedLog {
  readonly #limit: number;
  #chunks: string[] = [];
  #length = 0;
  #dropped = false;

  constructor(limit = 64 * 1024) {
    this.#limit = limit;
  }

  append(text: string): void {
    this.#chunks.push(text);
    this.#length += text.length;
    if (this.#length > 2 * this.#limit) this.#compact();
  }

  /** The kept text; starts with `[...]` when something was dropped, so a reader knows the log is partial. */
  toString(): string {
    this.#compact();
    return (this.#dropped ? '[...]\n' : '') + this.#chunks.join('');
  }

  #compact(): void {
    const text = this.#chunks.join('');
    if (text.length > this.#limit) {
      this.#chunks = [text.slice(text.length - this.#limit)];
      this.#dropped = true;
    } else {
      this.#chunks = [text];
    }
    this.#length = this.#chunks[0].length;
  }
}
