import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError, type WebhookFailure } from '../src/index.js';

// An independent signer, written from the Standard Webhooks spec rather than from the client's code.
const KEY = randomBytes(24);
const SECRET = `whsec_${KEY.toString('base64')}`;
const NOW = new Date('2026-01-02T03:04:05Z');
const TIMESTAMP = String(Math.floor(NOW.getTime() / 1000));
const BODY = JSON.stringify({ id: 'task_1', status: 'completed', progress: 1 });

function sign(key: Buffer, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function headers(signature: string, timestamp = TIMESTAMP): Record<string, string> {
  return { 'webhook-id': 'msg_1', 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}

function failure(run: () => unknown): WebhookFailure {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).reason;
  }
  throw new Error('expected a WebhookVerificationError');
}

describe('verifyWebhook', () => {
  it('answers the task of a validly signed body, from a string, bytes or fetch Headers', () => {
    const signature = sign(KEY, 'msg_1', TIMESTAMP, BODY);
    expect(verifyWebhook({ secret: SECRET, headers: headers(signature), body: BODY, now: NOW })).toEqual(
      JSON.parse(BODY),
    );
    const fetchHeaders = new Headers({ ...headers(signature), 'Content-Type': 'application/json' });
    expect(
      verifyWebhook({
        secret: SECRET,
        headers: fetchHeaders,
        body: new TextEncoder().encode(BODY),
        now: NOW,
      }),
    ).toMatchObject({ id: 'task_1' });
  });

  it('rejects a tampered body and a wrong secret', () => {
    const signature = sign(KEY, 'msg_1', TIMESTAMP, BODY);
    const tampered = BODY.replace('completed', 'failed');
    expect(
      failure(() => verifyWebhook({ secret: SECRET, headers: headers(signature), body: tampered, now: NOW })),
    ).toBe('invalid_signature');
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    expect(
      failure(() => verifyWebhook({ secret: other, headers: headers(signature), body: BODY, now: NOW })),
    ).toBe('invalid_signature');
  });

  it('rejects timestamps outside the tolerance either way, and accepts them inside it', () => {
    const old = String(Number(TIMESTAMP) - 301);
    const late = headers(sign(KEY, 'msg_1', old, BODY), old);
    expect(failure(() => verifyWebhook({ secret: SECRET, headers: late, body: BODY, now: NOW }))).toBe(
      'timestamp_out_of_tolerance',
    );
    expect(
      verifyWebhook({ secret: SECRET, headers: late, body: BODY, now: NOW, toleranceSeconds: 600 }),
    ).toMatchObject({ id: 'task_1' });
    const future = String(Number(TIMESTAMP) + 301);
    const early = headers(sign(KEY, 'msg_1', future, BODY), future);
    expect(failure(() => verifyWebhook({ secret: SECRET, headers: early, body: BODY, now: NOW }))).toBe(
      'timestamp_out_of_tolerance',
    );
  });

  it('accepts several space-separated signatures when one of them is valid', () => {
    const wrong = sign(randomBytes(24), 'msg_1', TIMESTAMP, BODY);
    const valid = sign(KEY, 'msg_1', TIMESTAMP, BODY);
    const list = `v2,abc ${wrong} v1,not-base64!! ${valid}`;
    expect(verifyWebhook({ secret: SECRET, headers: headers(list), body: BODY, now: NOW })).toMatchObject({
      status: 'completed',
    });
    expect(
      failure(() =>
        verifyWebhook({ secret: SECRET, headers: headers(`${wrong} ${wrong}`), body: BODY, now: NOW }),
      ),
    ).toBe('invalid_signature');
  });

  it('rejects missing headers and a bad timestamp', () => {
    const signature = sign(KEY, 'msg_1', TIMESTAMP, BODY);
    const { 'webhook-id': _id, ...noId } = headers(signature);
    expect(failure(() => verifyWebhook({ secret: SECRET, headers: noId, body: BODY, now: NOW }))).toBe(
      'missing_header',
    );
    expect(
      failure(() =>
        verifyWebhook({ secret: SECRET, headers: headers(signature, 'soon'), body: BODY, now: NOW }),
      ),
    ).toBe('invalid_timestamp');
  });
});
