import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// API keys are stored only as hashes, but Vidu signs callbacks with the API key itself. The key of a task made
// through Vidu's dialect is therefore kept sealed (AES-256-GCM) with a key derived from the deployment secret,
// bound to its task id so a sealed value cannot be moved to another task, and only until its callbacks end.

const VERSION = 'v1';

function sealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'inbetween', 'vidu callback signing key', 32));
}

/** `v1.<iv>.<ciphertext>.<tag>` (base64url) of `apiKey`, authenticated together with `taskId`. */
export function sealSigningKey(apiKey: string, secret: string, taskId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  cipher.setAAD(Buffer.from(taskId));
  const sealed = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
  return [VERSION, iv, sealed, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The API key sealed by {@link sealSigningKey}; throws when the secret, the task or the value differ. */
export function openSigningKey(sealed: string, secret: string, taskId: string): string {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== VERSION || iv === undefined || data === undefined || tag === undefined) {
    throw new Error('Expected a sealed signing key (v1.<iv>.<data>.<tag>) but received another string');
  }
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(taskId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
