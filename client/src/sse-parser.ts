/** One dispatched server-sent event, before its data is interpreted. */
export interface SseMessage {
  /** The `event:` field; `message` when none was sent. */
  event: string;
  /** The `data:` lines joined by newlines. */
  data: string;
  /** The last `id:` seen on the stream so far (ids carry over to later events, as in the SSE spec). */
  id: string;
}

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML, "server-sent events"), fed decoded text
 * in chunks of any size: lines may be split anywhere, including between the `\r` and `\n` of a CRLF.
 */
export class SseParser {
  #buffer = '';
  #skipLeadingLf = false;
  #started = false;
  #event = '';
  #data: string[] = [];
  #lastId = '';

  /** Feeds the next chunk of text; answers the events it completed. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    if (this.#skipLeadingLf && text.length > 0) {
      this.#skipLeadingLf = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    this.#buffer += text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const char = this.#buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.#buffer.slice(start, i);
      if (char === '\r') {
        if (i + 1 < this.#buffer.length) {
          if (this.#buffer[i + 1] === '\n') i++;
        } else {
          // A CR at the end of the chunk may be the first half of a CRLF.
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
      const message = this.#line(line);
      if (message) messages.push(message);
    }
    this.#buffer = this.#buffer.slice(start);
    return messages;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value;
    // `retry` and unknown fields are ignored: reconnecting is the caller's choice here.
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const event = this.#event || 'message';
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return undefined;
    return { event, data: data.join('\n'), id: this.#lastId };
  }
}

/** The events of a `text/event-stream` body; an event cut off by the end of the stream is dropped. */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  // `stream: true` keeps a multi-byte character split across chunks whole.
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    // Stops the download when the consumer leaves early; harmless once the stream has ended.
    await reader.cancel().catch(() => undefined);
  }
}
