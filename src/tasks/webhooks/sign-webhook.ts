import { createHmac } from 'node:crypto';

/** What a callback is signed over: its id, the attempt's time and the exact body. */
export interface WebhookToSign {
  /**
   * `whsec_` and the base64 of the key bytes, as the admin API shows it; several during a rotation, each giving
   * one signature, so a receiver holding either secret accepts the callback.
   */
  secret: string | readonly string[];
  /** The `webhook-id`, the same on every attempt. */
  id: string;
  /** The attempt's time; whole seconds are sent. */
  timestamp: Date;
  body: string;
}

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com): `webhook-signature` is `v1,` and the base64
 * HMAC-SHA256, keyed with the secret's bytes, of `{id}.{timestamp}.{body}`. Receivers check it with any
 * Standard Webhooks library (or the client's verifyWebhook) and reject old timestamps against replays.
 */
export function webhookHeaders(message: WebhookToSign): Record<string, string> {
  const timestamp = String(Math.floor(message.timestamp.getTime() / 1000));
  const secrets = typeof message.secret === 'string' ? [message.secret] : message.secret;
  const signatures = secrets.map((secret) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const mac = createHmac('sha256', key)
      .update(`${message.id}.${timestamp}.${message.body}`)
      .digest('base64');
    return `v1,${mac}`;
  });
  return {
    'webhook-id': message.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures.join(' '),
  };
}
