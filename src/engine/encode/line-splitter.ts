/**
 * Cuts a text stream into lines at `\n`, `\r\n` or a lone `\r`. ffmpeg ends each stats update with `\r` (so a
 * terminal overwrites it in place) and everything else with `\n`; chunks from a pipe end anywhere, including
 * between the `\r` and `\n` of a CRLF, so the unfinished tail is held until the next chunk.
 */
export class LineSplitter {
  #pending = '';

  /** Feeds a chunk and returns the lines it completed, without terminators; blank lines are skipped. */
  push(chunk: string): string[] {
    const text = this.#pending + chunk;
    const lines = text.split(/\r\n|\r|\n/);
    this.#pending = lines.pop() ?? '';
    // A chunk ending in '\r' might be the first half of '\r\n'; the empty line that would follow is skipped below.
    return lines.filter((line) => line.trim() !== '');
  }

  /** Returns the unterminated last line, if any, at the end of the stream. */
  flush(): string[] {
    const rest = this.#pending;
    this.#pending = '';
    return rest.trim() === '' ? [] : [rest];
  }
}
