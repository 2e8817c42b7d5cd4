import { describe, expect, it } from 'vitest';
import { openSigningKey, sealSigningKey } from './seal-signing-key.js';
import { viduCallbackHeaders } from './sign-vidu-callback.js';

// The worked example of https://platform.vidu.com/docs/callback-signature, signed by an HMAC written here with
// Web Crypto over the signing string exactly as the page prints it.
const DOCUMENTED =
  'POST\n/vidu/callback\nname=james&age=36\nvidu\nTue, 06 May 2025 12:09:42 GMT\n' +
  'Date:Tue, 06 May 2025 12:09:42 GMT\nx-request-nonce:123e4567-e89b-12d3-a456-426614174000\n';

async function hmacBase64(key: string, text: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

describe('viduCallbackHeaders', () => {
  it("signs Vidu's documented example the way its page spells the signing string", async () => {
    const headers = viduCallbackHeaders({
      apiKey: 'ib_example_key',
      url: 'http://127.0.0.1:8080/vidu/callback?name=james&age=36',
      date: new Date('2025-05-06T12:09:42Z'),
      nonce: '123e4567-e89b-12d3-a456-426614174000',
    });
    expect(headers).toEqual({
      Date: 'Tue, 06 May 2025 12:09:42 GMT',
      'x-request-nonce': '123e4567-e89b-12d3-a456-426614174000',
      'X-HMAC-SIGNED-HEADERS': 'Date;x-request-nonce',
      'X-HMAC-ALGORITHM': 'hmac-sha256',
      'X-HMAC-ACCESS-KEY': 'vidu',
      'X-HMAC-SIGNATURE': await hmacBase64('ib_example_key', DOCUMENTED),
    });
  });

  it('signs an empty path as / and an empty query as an empty line, with a fresh nonce each time', async () => {
    const date = new Date('2025-05-06T12:09:42Z');
    const a = viduCallbackHeaders({ apiKey: 'k', url: 'https://example.com', date });
    const b = viduCallbackHeaders({ apiKey: 'k', url: 'https://example.com', date });
    expect(a['x-request-nonce']).not.toBe(b['x-request-nonce']);
    const text = `POST\n/\n\nvidu\n${a.Date}\nDate:${a.Date}\nx-request-nonce:${a['x-request-nonce']}\n`;
    expect(a['X-HMAC-SIGNATURE']).toBe(await hmacBase64('k', text));
    expect(a['X-HMAC-SIGNATURE']).not.toBe(await hmacBase64('other key', text));
  });
});

describe('sealSigningKey', () => {
  it('opens only with the same secret and task, and never shows the key', () => {
    const sealed = sealSigningKey('ib_secret_api_key', 'deployment secret', 'task_1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('ib_secret_api_key');
    expect(sealSigningKey('ib_secret_api_key', 'deployment secret', 'task_1')).not.toBe(sealed);
    expect(openSigningKey(sealed, 'deployment secret', 'task_1')).toBe('ib_secret_api_key');
    expect(() => openSigningKey(sealed, 'another secret', 'task_1')).toThrow();
    expect(() => openSigningKey(sealed, 'deployment secret', 'task_2')).toThrow();
    const [v, iv, data, tag] = sealed.split('.');
    const flipped = `${v}.${iv}.${data.slice(0, -2)}${data.endsWith('AA') ? 'BB' : 'AA'}.${tag}`;
    expect(() => openSigningKey(flipped, 'deployment secret', 'task_1')).toThrow();
    expect(() => openSigningKey('plain', 'deployment secret', 'task_1')).toThrow(/sealed signing key/);
  });
});
