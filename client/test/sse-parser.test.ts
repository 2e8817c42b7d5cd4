import { describe, expect, it } from 'vitest';
import { readServerSentEvents, SseParser, type SseMessage } from '../src/index.js';

function parseChunks(chunks: string[]): SseMessage[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

const STREAM =
  ': keep-alive\n\n' +
  'id: 1\nevent: progress\ndata: {"status":"pending"}\n\n' +
  ': keep-alive\n' +
  'id: 2\nevent: progress\ndata: {"status":\ndata: "processing"}\n\n' +
  'id: 3\nevent: done\ndata:{"status":"completed"}\n\n';

const EXPECTED: SseMessage[] = [
  { event: 'progress', id: '1', data: '{"status":"pending"}' },
  { event: 'progress', id: '2', data: '{"status":\n"processing"}' },
  { event: 'done', id: '3', data: '{"status":"completed"}' },
];

describe('SseParser', () => {
  it('parses a whole stream: comments skipped, ids kept, multi-line data joined with newlines', () => {
    expect(parseChunks([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events however the text is split, down to one character per chunk', () => {
    expect(parseChunks([...STREAM])).toEqual(EXPECTED);
    for (let cut = 1; cut < STREAM.length; cut += 7) {
      expect(parseChunks([STREAM.slice(0, cut), STREAM.slice(cut)])).toEqual(EXPECTED);
    }
  });

  it('accepts CRLF and CR line ends, also with the CRLF split between chunks', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n');
    expect(parseChunks([crlf])).toEqual(EXPECTED);
    expect(parseChunks([...crlf])).toEqual(EXPECTED);
    expect(parseChunks([STREAM.replaceAll('\n', '\r')])).toEqual(EXPECTED);
  });

  it('keeps the last id for later events, defaults the event name, and ignores data-less blocks', () => {
    const events = parseChunks([
      '\uFEFFid: 7\n\n',
      'data: a\n\n',
      'event: x\nretry: 10\nunknown: y\n\n',
      'data\n\n',
    ]);
    expect(events).toEqual([
      { event: 'message', id: '7', data: 'a' },
      { event: 'message', id: '7', data: '' },
    ]);
  });

  it('holds an unfinished event until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('id: 1\nevent: done\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'done', id: '1', data: '{"a":1}' }]);
  });
});

describe('readServerSentEvents', () => {
  it('decodes bytes split inside a multi-byte character and drops an event cut off by the end', async () => {
    const bytes = new TextEncoder().encode('id: 1\nevent: progress\ndata: "é✓"\n\nid: 2\ndata: lost');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    const events: SseMessage[] = [];
    for await (const event of readServerSentEvents(body)) events.push(event);
    expect(events).toEqual([{ event: 'progress', id: '1', data: '"é✓"' }]);
  });
});
