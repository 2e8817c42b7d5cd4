import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './errors.js';
import type { TaskObject } from './types.js';

/** Request headers as Node's `http` gives them, or a fetch `Headers`. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The API key's webhook secret, `whsec_<base64>`. */
  secret: string;
  headers: WebhookHeaders;
  /** The raw body exactly as received (not re-serialised JSON). */
  body: string | Uint8Array;
  /** How far the `webhook-timestamp` may be from now, either way; default 300. */
  toleranceSeconds?: number;
  /** The current time; default the system clock. */
  now?: Date;
}

const SECRET_PREFIX = 'whsec_';

/**
 * Verifies a callback signed the Standard Webhooks way and answers the task object it carries. The signature is
 * HMAC-SHA256 keyed by the decoded secret over `${webhook-id}.${webhook-timestamp}.${body}`; `webhook-signature`
 * holds one or more space-separated `v1,<base64>` entries (several during a secret rotation), any of which may
 * match. Throws {@link WebhookVerificationError} when a header is missing, the timestamp is outside the
 * tolerance (replays), no signature matches, or the body is not JSON.
 */
export function verifyWebhook(options: VerifyWebhookOptions): TaskObject {
  const id = header(options.headers, 'webhook-id');
  const timestamp = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  const key = decodeSecret(options.secret);

  if (!/^\d+$/.test(timestamp)) {
    throw new WebhookVerificationError(
      'invalid_timestamp',
      `Invalid webhook-timestamp ${JSON.stringify(timestamp)}`,
    );
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `webhook-timestamp ${timestamp} is more than ${tolerance} s from now (${nowSeconds})`,
    );
  }

  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  if (!signatures.split(' ').some((entry) => matches(entry, expected))) {
    throw new WebhookVerificationError('invalid_signature', 'No webhook-signature matches the body');
  }

  try {
    return JSON.parse(Buffer.from(body).toString('utf8')) as TaskObject;
  } catch (error) {
    throw new WebhookVerificationError('invalid_body', `The body is not JSON: ${(error as Error).message}`);
  }
}

function matches(entry: string, expected: Buffer): boolean {
  const comma = entry.indexOf(',');
  if (comma === -1 || entry.slice(0, comma) !== 'v1') return false;
  const given = Buffer.from(entry.slice(comma + 1), 'base64');
  // timingSafeEqual needs equal lengths; the length of a signature is no secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookVerificationError('invalid_secret', 'The webhook secret is empty');
  return key;
}

function header(headers: WebhookHeaders, name: string): string {
  let value: string | readonly string[] | null | undefined;
  if (headers instanceof Headers) {
    value = headers.get(name);
  } else {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  const text = typeof value === 'string' ? value : value?.join(' ');
  if (!text) throw new WebhookVerificationError('missing_header', `Missing ${name} header`);
  return text.trim();
}
