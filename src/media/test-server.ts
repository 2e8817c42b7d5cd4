import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A route of {@link startTestServer}: answers one request. */
export type TestRoute = (request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 for the media tests, with a per-path hit count. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** How many requests each path received. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 on a free port; unknown paths answer 404. Test support only. */
export async function startTestServer(routes: Readonly<Record<string, TestRoute>>): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(request, response);
    else response.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Stalled test responses would otherwise keep close() waiting forever.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
