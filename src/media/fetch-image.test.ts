import type { ServerResponse } from 'node:http';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiError } from '../contract/index.js';
import { blockedAddressKind } from './address-policy.js';
import { fetchImageBytes, type FetchOptions } from './fetch-image.js';
import { startTestServer, type TestServer } from './test-server.js';

const MiB = 1024 * 1024;
const LOCAL: FetchOptions = { param: 'images[0]', allowPrivateHosts: ['127.0.0.1'] };

/** The ApiError a fetch fails with (fails the test if it succeeds or throws something else). */
async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

/** Streams `total` bytes without a Content-Length, respecting backpressure; records what was written. */
function streamBytes(response: ServerResponse, total: number, written: { bytes: number; closed: boolean }) {
  const chunk = Buffer.alloc(64 * 1024, 1);
  response.writeHead(200, { 'content-type': 'image/png' });
  response.on('close', () => (written.closed = true));
  const pump = () => {
    while (written.bytes < total && !written.closed) {
      written.bytes += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', pump);
    }
    if (!written.closed) response.end();
  };
  pump();
}

describe('fetchImageBytes', () => {
  let png: Buffer;
  let server: TestServer;
  let other: TestServer;
  const streamed = { bytes: 0, closed: false };
  const declared = { bytes: 0, closed: false };

  beforeAll(async () => {
    png = await sharp({ create: { width: 4, height: 2, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    other = await startTestServer({
      '/image.png': (_, response) => response.writeHead(200).end(png),
    });
    server = await startTestServer({
      '/image.png': (_, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png),
      '/to-other': (_, response) => response.writeHead(302, { location: `${other.origin}/image.png` }).end(),
      '/relative': (_, response) => response.writeHead(301, { location: '/image.png' }).end(),
      '/loop': (_, response) => response.writeHead(302, { location: '/loop' }).end(),
      '/stall': () => undefined,
      '/stream': (_, response) => streamBytes(response, 60 * MiB, streamed),
      '/declared': (_, response) => {
        response.on('close', () => (declared.closed = true));
        response.writeHead(200, { 'content-length': String(100 * MiB) });
        response.write(Buffer.alloc(1024));
        declared.bytes = 1024;
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  it('fetches from an allow-listed address, also through a relative redirect', async () => {
    expect(Buffer.from(await fetchImageBytes(`${server.origin}/image.png`, LOCAL))).toEqual(png);
    expect(Buffer.from(await fetchImageBytes(`${server.origin}/relative`, LOCAL))).toEqual(png);
  });

  it('refuses loopback when it is not allow-listed, before connecting', async () => {
    const before = server.hits.get('/image.png') ?? 0;
    const error = await failure(fetchImageBytes(`${server.origin}/image.png`, { param: 'images[0]' }));
    expect(error.code).toBe('002014005');
    expect(error.param).toBe('images[0]');
    expect(error.message).toBe(
      'Could not download the image for images[0]: 127.0.0.1 is a blocked address (loopback)',
    );
    expect(server.hits.get('/image.png') ?? 0).toBe(before);
  });

  it('refuses a host name that resolves to loopback (checked after DNS)', async () => {
    const error = await failure(
      fetchImageBytes(`http://localhost:${server.port}/image.png`, { param: 'images[0]' }),
    );
    expect(error.code).toBe('002014005');
    expect(error.message).toContain('localhost resolves to a blocked address (loopback)');
  });

  it('allows a host listed by name, and only that name', async () => {
    const byName = { allowPrivateHosts: ['LOCALHOST'] };
    expect((await fetchImageBytes(`http://localhost:${server.port}/image.png`, byName)).length).toBe(
      png.length,
    );
    const error = await failure(fetchImageBytes(`${server.origin}/image.png`, byName));
    expect(error.message).toContain('blocked address');
  });

  it('vets every redirect hop: an allow-listed host cannot redirect to one that is not', async () => {
    const error = await failure(
      fetchImageBytes(`http://localhost:${server.port}/to-other`, { allowPrivateHosts: ['localhost'] }),
    );
    expect(error.code).toBe('002014005');
    expect(error.message).toContain('127.0.0.1 is a blocked address (loopback)');
    expect(other.hits.get('/image.png') ?? 0).toBe(0);
    // With the target listed too, the same redirect is followed: the refusal above was the hop's check.
    const bytes = await fetchImageBytes(`http://localhost:${server.port}/to-other`, {
      allowPrivateHosts: ['localhost', '127.0.0.1'],
    });
    expect(bytes.length).toBe(png.length);
  });

  it('stops a redirect loop after maxRedirects', async () => {
    server.hits.delete('/loop');
    const error = await failure(fetchImageBytes(`${server.origin}/loop`, { ...LOCAL, maxRedirects: 3 }));
    expect(error.message).toContain('too many redirects (more than 3)');
    expect(server.hits.get('/loop')).toBe(4);
  });

  it('names the HTTP status of a non-2xx answer', async () => {
    const error = await failure(fetchImageBytes(`${server.origin}/missing`, LOCAL));
    expect(error.code).toBe('002014005');
    expect(error.message).toContain('HTTP 404 Not Found');
  });

  it('times out a stalled server within about timeoutMs', async () => {
    const started = performance.now();
    const error = await failure(fetchImageBytes(`${server.origin}/stall`, { ...LOCAL, timeoutMs: 300 }));
    const elapsed = performance.now() - started;
    expect(error.message).toContain('timed out after 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('rejects with the caller’s reason when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = fetchImageBytes(`${server.origin}/stall`, { ...LOCAL, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 50);
    await expect(pending).rejects.toThrow('client went away');
  });

  it('stops a body without Content-Length as soon as it passes maxBytes', async () => {
    const error = await failure(fetchImageBytes(`${server.origin}/stream`, LOCAL));
    expect(error.code).toBe('002014004');
    expect(error.message).toContain('more than 50 MiB (52428800 bytes)');
    await expect.poll(() => streamed.closed).toBe(true);
    // The server stopped at the limit plus what the socket buffers held, far short of the 60 MiB it had.
    expect(streamed.bytes).toBeGreaterThan(50 * MiB);
    expect(streamed.bytes).toBeLessThan(56 * MiB);
  });

  it('refuses a Content-Length over the limit before reading the body', async () => {
    const started = performance.now();
    const error = await failure(fetchImageBytes(`${server.origin}/declared`, LOCAL));
    expect(error.code).toBe('002014004');
    expect(error.message).toContain('100 MiB (104857600 bytes) (its Content-Length)');
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect.poll(() => declared.closed).toBe(true);
  });

  it('refuses schemes other than http and https', async () => {
    const error = await failure(fetchImageBytes('ftp://example.com/a.png', LOCAL));
    expect(error.message).toContain('the ftp: scheme is not allowed');
  });

  it('refuses IPv6 loopback and IPv4-mapped loopback', async () => {
    for (const host of ['[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
      const error = await failure(fetchImageBytes(`http://${host}:${server.port}/image.png`, {}));
      expect(error.message).toContain('is a blocked address (loopback)');
    }
  });

  it('refuses private and metadata addresses without trying to connect', async () => {
    for (const host of ['10.0.0.1', '169.254.169.254', '192.168.1.1', '100.64.0.1', '0.0.0.0', '[fd00::1]']) {
      const error = await failure(fetchImageBytes(`http://${host}/latest/meta-data/`, { timeoutMs: 200 }));
      expect(error.message).toContain('is a blocked address');
      expect(error.message).not.toContain('timed out');
    }
  });

  it('names a DNS failure', async () => {
    const error = await failure(fetchImageBytes('http://no-such-host.invalid/a.png', { timeoutMs: 5_000 }));
    expect(error.message).toMatch(/DNS lookup of no-such-host\.invalid failed|timed out/);
  });
});

describe('blockedAddressKind', () => {
  it('classifies the reserved ranges and passes public addresses', () => {
    expect(blockedAddressKind('172.31.255.255')).toBe('private');
    expect(blockedAddressKind('172.32.0.1')).toBeUndefined();
    expect(blockedAddressKind('100.127.255.255')).toBe('carrier-grade NAT');
    expect(blockedAddressKind('224.0.0.1')).toBe('multicast');
    expect(blockedAddressKind('fe80::1')).toBe('link-local');
    expect(blockedAddressKind('ff02::1')).toBe('multicast');
    expect(blockedAddressKind('::')).toBe('unspecified');
    expect(blockedAddressKind('::ffff:a9fe:a9fe')).toBe('link-local');
    expect(blockedAddressKind('8.8.8.8')).toBeUndefined();
    expect(blockedAddressKind('2606:4700:4700::1111')).toBeUndefined();
    expect(blockedAddressKind('::ffff:8.8.8.8')).toBeUndefined();
  });

  it('judges IPv6 forms that carry an IPv4 address by that address', () => {
    expect(blockedAddressKind('::ffff:127.0.0.1')).toBe('loopback');
    expect(blockedAddressKind('::10.1.2.3')).toBe('private (IPv4-compatible)');
    expect(blockedAddressKind('::a01:203')).toBe('private (IPv4-compatible)');
    expect(blockedAddressKind('64:ff9b::10.0.0.1')).toBe('private via NAT64');
    expect(blockedAddressKind('64:ff9b::a9fe:a9fe')).toBe('link-local via NAT64');
    expect(blockedAddressKind('64:ff9b:1::7f00:1')).toBe('loopback via NAT64');
    expect(blockedAddressKind('2002:c0a8:0101::1')).toBe('private via 6to4');
    expect(blockedAddressKind('2002:7f00:1::')).toBe('loopback via 6to4');
    // The same forms around public addresses pass.
    expect(blockedAddressKind('64:ff9b::8.8.8.8')).toBeUndefined();
    expect(blockedAddressKind('2002:0808:0808::1')).toBeUndefined();
    expect(blockedAddressKind('::1')).toBe('loopback');
    expect(blockedAddressKind('::2')).toBeUndefined();
  });

  it('judges the IPv4-translated form (::ffff:0:0:0/96) by the IPv4 address it carries', () => {
    expect(blockedAddressKind('::ffff:0:7f00:1')).toBe('loopback (IPv4-translated)');
    expect(blockedAddressKind('::ffff:0:10.0.0.1')).toBe('private (IPv4-translated)');
    expect(blockedAddressKind('::ffff:0:169.254.169.254')).toBe('link-local (IPv4-translated)');
    expect(blockedAddressKind('::ffff:0:8.8.8.8')).toBeUndefined();
  });

  it('refuses the rest of the IANA special-purpose ranges', () => {
    const cases: Array<[string, string]> = [
      ['192.88.99.1', '6to4 relay anycast'],
      ['192.31.196.1', 'AS112'],
      ['192.175.48.6', 'AS112'],
      ['192.52.193.9', 'AMT relay anycast'],
      ['198.19.255.255', 'benchmarking'],
      ['192.0.0.9', 'reserved'],
      ['255.255.255.255', 'reserved'],
      // Teredo: the client's IPv4 address is inside, obfuscated; nothing legitimate serves images there.
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
      ['2001::1', 'Teredo'],
      ['2001:2::1', 'benchmarking'],
      ['2001:3::1', 'IETF protocol assignment'],
      ['2001:20::1', 'IETF protocol assignment'],
      ['2001:1ff:ffff::1', 'IETF protocol assignment'],
      ['2001:db8:1::1', 'documentation'],
      ['3fff:abc::1', 'documentation'],
      ['2620:4f:8000::1', 'AS112'],
      ['5f00::1', 'segment routing'],
      ['100::1', 'discard'],
      ['100:0:0:1::1', 'reserved'],
      ['fec0::1', 'site-local'],
    ];
    for (const [address, kind] of cases) expect(blockedAddressKind(address), address).toBe(kind);
    // Their neighbours are public.
    for (const address of [
      '192.88.100.1',
      '192.31.197.1',
      '198.20.0.1',
      '2001:200::1',
      '2001:db9::1',
      '3fff:1000::1',
    ]) {
      expect(blockedAddressKind(address), address).toBeUndefined();
    }
  });
});
