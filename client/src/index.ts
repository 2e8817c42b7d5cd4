export { InbetweenClient } from './inbetween-client.js';
export type { InbetweenClientOptions, RequestOptions, WaitOptions } from './inbetween-client.js';
export {
  InbetweenError,
  InbetweenSyncTimeoutError,
  InbetweenWaitTimeoutError,
  WebhookVerificationError,
} from './errors.js';
export type { WebhookFailure } from './errors.js';
export { verifyWebhook } from './verify-webhook.js';
export type { VerifyWebhookOptions, WebhookHeaders } from './verify-webhook.js';
export { SseParser, readServerSentEvents } from './sse-parser.js';
export type { SseMessage } from './sse-parser.js';
export { MODEL_ID, isFinalStatus } from './types.js';
export type {
  Account,
  CallbackAttempt,
  CallbackDelivery,
  ErrorBody,
  GenerationParams,
  MovementAmplitude,
  Quote,
  Resolution,
  TaskMetadata,
  TaskObject,
  TaskPage,
  TaskStatus,
  TaskStreamEvent,
  TaskVideoContent,
} from './types.js';
