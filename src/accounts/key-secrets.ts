import { createHash, randomBytes } from 'node:crypto';

/** The stored form of an API key: its SHA-256. Keys are 256-bit random, so a plain hash is enough. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new API key's secret: 256 random bits with a prefix that says what it is (and what leaked, if it does). */
export function newApiKeySecret(): string {
  return `ib_${randomBytes(32).toString('base64url')}`;
}

/** A new key id: `key_` and 72 random bits. */
export function newKeyId(): string {
  return `key_${randomBytes(9).toString('base64url')}`;
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 192 random bits of HMAC key. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
