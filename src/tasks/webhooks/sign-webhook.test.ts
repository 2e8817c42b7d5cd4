import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS_MS, nextAttemptAt } from './retry-schedule.js';
import { webhookHeaders } from './sign-webhook.js';

describe('webhookHeaders', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const headers = webhookHeaders({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: new Date(1614265330_000 + 999),
      body: '{"test": 2432232314}',
    });
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs with every secret of a rotation, space-separated', () => {
    const headers = webhookHeaders({
      secret: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_c2Vjb25k'],
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: new Date(1614265330_000),
      body: '{"test": 2432232314}',
    });
    const [first, second] = headers['webhook-signature'].split(' ');
    expect(first).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(second).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(second).not.toBe(first);
  });

  it('signs another body differently', () => {
    const sign = (body: string) =>
      webhookHeaders({
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        id: 'msg_1',
        timestamp: new Date(0),
        body,
      })['webhook-signature'];
    expect(sign('{"a":1}')).not.toBe(sign('{"a":2}'));
  });
});

describe('retry schedule', () => {
  it('retries for more than a day, then gives up', () => {
    const total = DEFAULT_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(total).toBe((27 * 60 + 35) * 60_000 + 5_000);
    const now = new Date(0);
    expect(nextAttemptAt(1, now, DEFAULT_RETRY_DELAYS_MS)).toEqual(new Date(5_000));
    expect(nextAttemptAt(7, now, DEFAULT_RETRY_DELAYS_MS)).toEqual(new Date(10 * 3_600_000));
    expect(nextAttemptAt(8, now, DEFAULT_RETRY_DELAYS_MS)).toBeNull();
  });
});
