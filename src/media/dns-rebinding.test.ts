import type { LookupAddress } from 'node:dns';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchImageBytes } from './fetch-image.js';

/** A server on `host`:`port` (0: any) answering every request with `body`, counting them. */
async function listen(
  host: string,
  port: number,
  body: string,
): Promise<{ server: Server; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((_, response) => {
    hits++;
    response.writeHead(200, { 'content-type': 'image/png' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { server, hits: () => hits };
}

describe('a DNS answer that changes between the check and the connection (rebinding)', () => {
  // 127.0.0.1, allow-listed, stands for the public address the attacker's name first resolves to; 127.0.0.2,
  // not listed, for the internal address it resolves to next. Nothing leaves the loopback interface.
  let vetted: Awaited<ReturnType<typeof listen>>;
  let internal: Awaited<ReturnType<typeof listen>>;
  let port: number;

  beforeAll(async () => {
    vetted = await listen('127.0.0.1', 0, 'from the vetted address');
    port = (vetted.server.address() as AddressInfo).port;
    internal = await listen('127.0.0.2', port, 'from the internal address');
  });
  afterAll(async () => {
    for (const { server } of [vetted, internal]) await new Promise((resolve) => server.close(resolve));
  });

  it('connects to the address that was vetted, never to the second answer', async () => {
    const answers: LookupAddress[][] = [[{ address: '127.0.0.1', family: 4 }]];
    let lookups = 0;
    const rebinding = (): Promise<LookupAddress[]> => {
      lookups++;
      return Promise.resolve(answers.shift() ?? [{ address: '127.0.0.2', family: 4 }]);
    };
    const bytes = await fetchImageBytes(`http://rebind.test:${port}/image.png`, {
      allowPrivateHosts: ['127.0.0.1'],
      resolveHost: rebinding,
    });
    expect(Buffer.from(bytes).toString()).toBe('from the vetted address');
    // One lookup, vetted and pinned: the socket did not ask the resolver again.
    expect(lookups).toBe(1);
    expect(vetted.hits()).toBe(1);
    expect(internal.hits()).toBe(0);
    // The second answer, had it been asked for, is refused outright.
    await expect(
      fetchImageBytes(`http://rebind.test:${port}/image.png`, {
        allowPrivateHosts: ['127.0.0.1'],
        resolveHost: rebinding,
      }),
    ).rejects.toThrow('rebind.test resolves to a blocked address (loopback)');
    expect(internal.hits()).toBe(0);
  });
});
