import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, as it came. */
export interface Delivery {
  /** The request target with its query string. */
  readonly url: string;
  /** The target without the query string. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** When the whole body had arrived (Date.now()). */
  readonly at: number;
}

/** A callback receiver listening on 127.0.0.1, which the services under test allow as a private host. */
export interface CallbackReceiver {
  /** `http://127.0.0.1:PORT`, to which each test appends the path it wants called. */
  readonly origin: string;
  /** Every request received, in order of arrival. */
  readonly deliveries: Delivery[];
  close(): Promise<void>;
}

/**
 * Starts a receiver that records each request and answers the status `answer` gives for it (default 200, what a
 * bare `response.end()` answers), so a test can make a receiver fail and watch the retries.
 */
export async function startCallbackReceiver(
  answer: (delivery: Delivery) => number = () => 200,
): Promise<CallbackReceiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      const delivery: Delivery = {
        url,
        path: url.split('?')[0],
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      deliveries.push(delivery);
      response.writeHead(answer(delivery)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A dispatcher's kept-alive connection must not hold the close open until it times out.
        server.closeAllConnections();
      }),
  };
}
