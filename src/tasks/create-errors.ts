import { createHash } from 'node:crypto';
import { apiError, type GenerationRequest } from '../contract/index.js';
import type { LimitReached } from '../store/index.js';

// What a create answers when it cannot make its task, and how a retried create is recognised.

/** 429 for a key at its unfinished-task limit, 503 for a full queue. */
export function limitError(reached: LimitReached): Error {
  if (reached.limit === 'queue') {
    return apiError('queue_full', { values: { depth: reached.count, limit: reached.max, retry_after: 30 } });
  }
  return apiError('rate_limited', {
    values: {
      reason: `this API key already has ${reached.count} unfinished tasks (at most ${reached.max})`,
      retry_after: 5,
    },
  });
}

/** A callback_url on a Vidu task where this deployment has no secret to keep the calling key sealed with. */
export function noSigningSecret(): Error {
  return apiError('002014010', {
    param: 'callback_url',
    values: {
      expected: 'no callback_url: this deployment has no secret to keep the signing key with',
      received: 'a callback_url',
    },
  });
}

/** Idempotency compares what was asked, not how it was spelled: the normalised request, images included. */
export function hashRequest(request: GenerationRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}
