import { createHmac } from 'node:crypto';

/** What a callback is signed over: its id, the attempt's time and the exact body. */
export interface WebhookToSign {
  /** `whsec_` and the base64 of the key bytes, as the admin API shows it. */
  secret: string;
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
  const key = Buffer.from(message.secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${message.id}.${timestamp}.${message.body}`)
    .digest('base64');
  return {
    'webhook-id': message.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
  };
}
