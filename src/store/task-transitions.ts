import { canTransition, ERROR_CATALOGUE, isTerminal, type TaskStatus } from '../contract/index.js';
import type {
  HeartbeatOptions,
  NewTask,
  StoredTask,
  TaskError,
  TaskOutput,
  TransitionRefusal,
} from './task-store.js';

// The rules of every change as pure functions from the row read to the row to write, so each adapter only
// reads, applies and writes back under a version check, and the rules live in one place.

/** The next row, or why there is none. */
export type Planned = { ok: true; task: StoredTask } | { ok: false; reason: TransitionRefusal };

/** The row a new task starts as. */
export function newTaskRow(
  task: NewTask,
  idempotency: { key: string; requestHash: string } | null,
): StoredTask {
  return {
    ...task,
    inputKeys: [...task.inputKeys],
    status: 'pending',
    progress: 0,
    idempotencyKey: idempotency?.key ?? null,
    requestHash: idempotency?.requestHash ?? null,
    errorCode: null,
    errorMessage: null,
    outputVideoKey: null,
    outputCoverKey: null,
    outputDuration: null,
    recommendedPrompt: null,
    music: null,
    callbackSigningKey: task.callbackSigningKey ?? null,
    backend: null,
    upstream: null,
    attempts: 0,
    leaseOwner: null,
    leaseExpiresAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: task.createdAt,
    version: 1,
  };
}

// Every status change passes here, so no adapter can write a transition the contract forbids.
function moved(task: StoredTask, to: TaskStatus, now: Date, changes: Partial<StoredTask>): StoredTask {
  if (!canTransition(task.status, to))
    throw new Error(`Task ${task.id}: ${task.status} -> ${to} is not allowed`);
  // A final task makes no more callbacks, so the sealed key that signs them is erased from it now (the last
  // callback row carries its own copy until it is delivered or given up).
  const signing = isTerminal(to) ? { callbackSigningKey: null } : {};
  return { ...task, ...changes, ...signing, status: to, updatedAt: now, version: task.version + 1 };
}

function holdsLease(task: StoredTask, owner: string): boolean {
  return task.status === 'processing' && task.leaseOwner === owner;
}

/** pending -> processing under a new lease. */
export function planClaim(task: StoredTask, owner: string, leaseMs: number, now: Date): StoredTask {
  return moved(task, 'processing', now, {
    leaseOwner: owner,
    leaseExpiresAt: new Date(now.getTime() + leaseMs),
    attempts: task.attempts + 1,
    startedAt: task.startedAt ?? now,
  });
}

/** A longer lease (and new progress) for the owner; null when the lease is not the owner's any more. */
export function planHeartbeat(task: StoredTask, owner: string, options: HeartbeatOptions): StoredTask | null {
  if (!holdsLease(task, owner)) return null;
  const progress = options.progress === undefined ? task.progress : clamp01(options.progress);
  return {
    ...task,
    progress,
    leaseExpiresAt: new Date(options.now.getTime() + options.leaseMs),
    updatedAt: options.now,
    version: task.version + 1,
  };
}

/** processing -> completed by the lease owner. */
export function planComplete(task: StoredTask, owner: string, output: TaskOutput, now: Date): Planned {
  if (!holdsLease(task, owner)) return { ok: false, reason: 'lease_lost' };
  return {
    ok: true,
    task: moved(task, 'completed', now, {
      progress: 1,
      outputVideoKey: output.videoKey,
      outputCoverKey: output.coverKey,
      outputDuration: output.duration,
      recommendedPrompt: output.recommendedPrompt ?? task.recommendedPrompt,
      music: output.music ?? task.music,
      width: output.width ?? task.width,
      height: output.height ?? task.height,
      fps: output.fps ?? task.fps,
      frames: output.frames ?? task.frames,
      backend: output.backend ?? task.backend,
      upstream: output.upstream === undefined ? task.upstream : output.upstream,
      ...released(now),
    }),
  };
}

/** -> failed, by the lease owner or (owner null) by the service. */
export function planFail(task: StoredTask, owner: string | null, error: TaskError, now: Date): Planned {
  if (owner !== null && !holdsLease(task, owner)) return { ok: false, reason: 'lease_lost' };
  if (isTerminal(task.status)) return { ok: false, reason: 'already_final' };
  return {
    ok: true,
    task: moved(task, 'failed', now, {
      errorCode: error.code,
      errorMessage: error.message,
      ...released(now),
    }),
  };
}

/** pending or processing -> cancelled; another key's task is not found. */
export function planCancel(
  task: StoredTask,
  keyId: string | null,
  now: Date,
  error: TaskError | null,
): Planned {
  if (keyId !== null && task.keyId !== keyId) return { ok: false, reason: 'not_found' };
  if (isTerminal(task.status)) return { ok: false, reason: 'not_cancellable' };
  return {
    ok: true,
    task: moved(task, 'cancelled', now, {
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      ...released(now),
    }),
  };
}

/** processing -> pending by the owner, the claim not counted (a graceful stop hands the task back). */
export function planRelease(task: StoredTask, owner: string, now: Date): Planned {
  if (!holdsLease(task, owner)) return { ok: false, reason: 'lease_lost' };
  return {
    ok: true,
    task: moved(task, 'pending', now, {
      progress: 0,
      leaseOwner: null,
      leaseExpiresAt: null,
      attempts: Math.max(0, task.attempts - 1),
    }),
  };
}

/** The backend now rendering the task, for its lease owner; null when the lease is not the owner's. */
export function planSetBackend(
  task: StoredTask,
  owner: string,
  backend: string,
  upstream: StoredTask['upstream'],
  now: Date,
): StoredTask | null {
  if (!holdsLease(task, owner)) return null;
  return { ...task, backend, upstream, updatedAt: now, version: task.version + 1 };
}

/** An expired lease: back to pending, or failed with 002014012 once the attempts are used up. */
export function planExpiredLease(task: StoredTask, maxAttempts: number, now: Date): StoredTask {
  if (task.attempts >= maxAttempts) {
    return moved(task, 'failed', now, {
      errorCode: '002014012',
      errorMessage: `${ERROR_CATALOGUE['002014012'].meaning}: the worker stopped responding ${task.attempts} times`,
      ...released(now),
    });
  }
  // Progress restarts with the render; the attempt count stays so the bound holds across restarts.
  return moved(task, 'pending', now, { progress: 0, leaseOwner: null, leaseExpiresAt: null });
}

/** Blob keys a task holds (inputs and outputs), for retention. */
export function taskBlobKeys(
  task: Pick<StoredTask, 'inputKeys' | 'outputVideoKey' | 'outputCoverKey'>,
): string[] {
  const keys = [...task.inputKeys];
  if (task.outputVideoKey !== null) keys.push(task.outputVideoKey);
  if (task.outputCoverKey !== null) keys.push(task.outputCoverKey);
  return keys;
}

function released(now: Date): Pick<StoredTask, 'leaseOwner' | 'leaseExpiresAt' | 'completedAt'> {
  return { leaseOwner: null, leaseExpiresAt: null, completedAt: now };
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
