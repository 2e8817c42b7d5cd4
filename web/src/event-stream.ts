import { ApiFailure, callApi, failureOf } from './api.js';
import { isTerminal, type TaskObject } from './types.js';

/** One server-sent event. */
export interface StreamEvent {
  event: string;
  data: string;
  id: string;
}

/**
 * The events of a `text/event-stream` body. EventSource cannot send an Authorization header, so the stream is
 * read with fetch and cut into events here: lines end in LF, CR or CRLF (split anywhere between chunks), `:`
 * lines are comments (the server's keep-alives), a blank line ends an event.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const end = buffer.search(/[\r\n]/);
        // A CR last in the buffer may be half of a CRLF: wait for the next chunk unless there is none.
        if (end < 0 || (end === buffer.length - 1 && buffer[end] === '\r' && !done)) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(buffer.startsWith('\r\n', end) ? end + 2 : end + 1);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
        if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
        else if (field === 'id') id = text;
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export interface FollowOptions {
  readonly token: string;
  readonly signal: AbortSignal;
  /** Called with every state the task passes through, the final one included. */
  readonly onTask: (task: TaskObject) => void;
}

/**
 * Follows a task to its end through its event stream (`progress`, then `done`); when the stream breaks off
 * before `done` (a proxy's timeout, a restart), it reconnects with Last-Event-ID, and polls once the stream
 * cannot be had. Answers the final task.
 */
export async function followTask(id: string, options: FollowOptions): Promise<TaskObject> {
  const path = `/model/v1/generation/task/${encodeURIComponent(id)}`;
  let lastId = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${path}/stream`, {
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'text/event-stream',
          ...(lastId ? { 'last-event-id': lastId } : {}),
        },
        signal: options.signal,
        cache: 'no-store',
      });
    } catch (error) {
      if (options.signal.aborted) throw error;
      break;
    }
    if (!response.ok) throw await failureOf(response);
    if (!response.body) break;
    for await (const message of readEvents(response.body)) {
      lastId = message.id || lastId;
      if (message.event === 'error') throw streamFailure(message.data);
      if (message.event !== 'progress' && message.event !== 'done') continue;
      const task = JSON.parse(message.data) as TaskObject;
      options.onTask(task);
      if (message.event === 'done' || isTerminal(task.status)) return task;
    }
  }
  return pollTask(path, options);
}

function streamFailure(data: string): ApiFailure {
  const body = JSON.parse(data) as { error?: { code?: string; message?: string } };
  return new ApiFailure(0, body.error?.code ?? 'stream_error', body.error?.message ?? data);
}

async function pollTask(path: string, options: FollowOptions): Promise<TaskObject> {
  for (;;) {
    const task = await callApi<TaskObject>(path, { token: options.token, signal: options.signal });
    options.onTask(task);
    if (isTerminal(task.status)) return task;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 1000);
      options.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(options.signal.reason as Error);
        },
        { once: true },
      );
    });
  }
}
