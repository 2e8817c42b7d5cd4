import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a fake provider answers one create call. */
export type CreateScript =
  | { kind: 'accept' }
  /** An error answer in the provider's own shape, optionally with Retry-After seconds. */
  | { kind: 'error'; status: number; reason: string; retryAfter?: number }
  /** Never answers, and makes no task. */
  | { kind: 'hang' }
  /** Makes the task, then never answers: the submission is in doubt for the caller. */
  | { kind: 'accept-then-hang' };

/** How an accepted task plays out. */
export interface TaskScript {
  /** Polls answered "still running" before the final state. */
  polls: number;
  /** The provider's failure code; absent = success. */
  failWith?: string;
  /** What the video URL serves. */
  output?: 'mp4' | 'text';
  /** The first n downloads of the video answer 404 (an expired URL). */
  expiredDownloads?: number;
  /** Refuses cancels ("can not cancel"). */
  uncancellable?: boolean;
  /** What the provider charges. */
  credits?: number;
  costUsd?: string;
}

/** One task the fake made. */
export interface FakeTask {
  id: string;
  model: string;
  payload: string;
  body: Record<string, unknown>;
  createdAt: Date;
  polls: number;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  script: TaskScript;
  downloads: number;
}

/**
 * The provider-independent half of the fake providers: scripts, tasks, their life cycle and the output files,
 * behind a real HTTP server on 127.0.0.1. Each fake adds its own routes and shapes, written from the provider's
 * published API pages.
 */
export class FakeTaskBook {
  readonly tasks = new Map<string, FakeTask>();
  /** Every create call received, whatever was answered. */
  readonly creates: Record<string, unknown>[] = [];
  readonly cancels: string[] = [];
  /** Scripts for the next create calls, in order; then `defaultCreate`. */
  readonly createScripts: CreateScript[] = [];
  readonly taskScripts: TaskScript[] = [];
  defaultCreate: CreateScript = { kind: 'accept' };
  defaultTask: TaskScript = { polls: 1 };
  /** Most tasks running at the same time. */
  peakRunning = 0;
  #counter = 0;
  readonly #hung: ServerResponse[] = [];

  constructor(
    readonly video: Buffer,
    readonly cover: Buffer,
  ) {}

  nextCreate(): CreateScript {
    return this.createScripts.shift() ?? this.defaultCreate;
  }

  /** Holds a response open forever (until the fake closes). */
  hang(response: ServerResponse): void {
    this.#hung.push(response);
  }

  make(model: string, payload: string, body: Record<string, unknown>): FakeTask {
    this.#counter += 1;
    const task: FakeTask = {
      id: `${900_000_000 + this.#counter}`,
      model,
      payload,
      body,
      createdAt: new Date(),
      polls: 0,
      state: 'running',
      script: this.taskScripts.shift() ?? this.defaultTask,
      downloads: 0,
    };
    this.tasks.set(task.id, task);
    this.peakRunning = Math.max(this.peakRunning, this.running());
    return task;
  }

  /** One poll: the task moves on. */
  poll(task: FakeTask): FakeTask {
    if (task.state !== 'running') return task;
    task.polls += 1;
    if (task.polls > task.script.polls) task.state = task.script.failWith ? 'failed' : 'succeeded';
    return task;
  }

  running(): number {
    return [...this.tasks.values()].filter((task) => task.state === 'running').length;
  }

  /** Cancels a running task; false when its script refuses or it is over. */
  cancel(task: FakeTask): boolean {
    this.cancels.push(task.id);
    if (task.state !== 'running' || task.script.uncancellable) return false;
    task.state = 'cancelled';
    return true;
  }

  /** Serves `/files/<task>/video.mp4` and `/files/<task>/cover.jpg`; true when it answered. */
  serveFile(request: IncomingMessage, response: ServerResponse): boolean {
    const match = /^\/files\/([^/]+)\/(video\.mp4|cover\.jpg)/.exec(request.url ?? '');
    if (!match) return false;
    const task = this.tasks.get(match[1]);
    if (!task || task.state !== 'succeeded') return (notFound(response), true);
    if (match[2] === 'cover.jpg') return (send(response, 200, this.cover, 'image/jpeg'), true);
    task.downloads += 1;
    if (task.downloads <= (task.script.expiredDownloads ?? 0)) return (notFound(response), true);
    if (task.script.output === 'text')
      return (send(response, 200, Buffer.from('<html>expired</html>'), 'text/html'), true);
    send(response, 200, this.video, 'video/mp4');
    return true;
  }

  close(): void {
    for (const response of this.#hung) response.destroy();
  }
}

/** Starts a server on 127.0.0.1 with a free port and answers its base URL. */
export async function listen(
  handler: (request: IncomingMessage, response: ServerResponse, body: string) => void,
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handler(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function send(response: ServerResponse, status: number, body: Buffer, type: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': body.length });
  response.end(body);
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found');
}

export function parseBody(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * What both fake providers share: the task book, a server on 127.0.0.1 and its closing. A provider answers its
 * own paths in `handle`.
 */
export abstract class FakeProvider {
  readonly book: FakeTaskBook;
  baseUrl = '';
  protected readonly apiKey: string;
  #server: Server | null = null;

  protected constructor(options: { apiKey: string; video: Buffer; cover: Buffer }) {
    this.book = new FakeTaskBook(options.video, options.cover);
    this.apiKey = options.apiKey;
  }

  protected abstract handle(request: IncomingMessage, response: ServerResponse, text: string): void;

  protected async listen(): Promise<void> {
    const { server, baseUrl } = await listen((request, response, body) =>
      this.handle(request, response, body),
    );
    this.#server = server;
    this.baseUrl = baseUrl;
  }

  async close(): Promise<void> {
    this.book.close();
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
