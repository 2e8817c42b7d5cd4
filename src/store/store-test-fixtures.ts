import type { ApiKeyRecord, NewTask, StoredRequest, StoredTask, TaskStore } from './task-store.js';

// Test-support data for the store contract suite; not exported from the package.

/** A fixed instant the suite counts from, so times are exact. */
export const T0 = new Date('2026-03-01T12:00:00.000Z');

/** `T0` plus `ms` milliseconds. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

/** A request with every field away from its default, to prove the JSON round trip. */
export const REQUEST: StoredRequest = {
  model: 'viduq2_pro_start_end2video',
  prompt: 'slow push in, "quoted" and ünïcode',
  is_rec: true,
  duration: 5,
  seed: 0,
  resolution: '1080p',
  movement_amplitude: 'large',
  bgm: true,
  payload: 'opaque',
  off_peak: false,
  watermark: true,
  wm_position: 2,
  wm_url: 'https://example.com/wm.png',
  meta_data: '{"Label":"1"}',
  callback_url: 'https://example.com/hook',
};

/** An API key numbered `n`. */
export function makeKey(n: number, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `key_${String(n).padStart(4, '0')}`,
    name: `key ${n}`,
    secretHash: n.toString(16).padStart(64, 'a'),
    prefix: `ib_${String(n).padStart(5, '0')}`,
    createdAt: at(n),
    revokedAt: null,
    balanceMicros: null,
    webhookSecret: `whsec_${n}`,
    lastUsedAt: null,
    previousWebhookSecret: null,
    ...extra,
  };
}

let counter = 0;

/** A new task for `keyId`; ids are unique within a test run. */
export function makeTask(keyId: string, extra: Partial<NewTask> = {}): NewTask {
  counter += 1;
  return {
    id: `task_${String(counter).padStart(24, '0')}`,
    keyId,
    model: 'viduq2_pro_start_end2video',
    request: REQUEST,
    inputKeys: [`inputs/${counter}/start.png`, `inputs/${counter}/end.png`],
    seed: 4_294_967_295,
    width: 1920,
    height: 1080,
    fps: 24,
    frames: 120,
    durationSeconds: 5,
    costMicros: 700_000,
    discount: 1,
    offPeak: false,
    callbackUrl: 'https://example.com/hook',
    callbackSigningKey: null,
    createdAt: T0,
    ...extra,
  };
}

/** What the split parts of the contract suite share: the store of the running test and two helpers. */
export interface StoreTestContext {
  /** The store of the current test (replaced before each test). */
  readonly store: TaskStore;
  /** Lease length `claim` uses. */
  readonly lease: number;
  /** Inserts a task for `keyId` (default the first key) and returns it. */
  readonly insert: (keyId?: string, extra?: Partial<NewTask>) => Promise<StoredTask>;
  /** Claims with `owner` at `now`, off-peak tasks allowed unless `includeOffPeak` is false. */
  readonly claim: (owner?: string, now?: Date, includeOffPeak?: boolean) => Promise<StoredTask | null>;
}
