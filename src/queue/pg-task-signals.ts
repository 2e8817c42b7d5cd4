import type pg from 'pg';

import { SignalListeners, type TaskSignal, type TaskSignals } from './task-signals.js';

/** The NOTIFY channel every process of a deployment listens on. */
export const SIGNAL_CHANNEL = 'inbetween_tasks';

const KINDS = new Set<TaskSignal['kind']>(['queued', 'changed', 'cancelled']);
const RECONNECT_MS = [100, 500, 1000, 2000, 5000];

/** Options of {@link openPgTaskSignals}. */
export interface PgTaskSignalsOptions {
  /** Sends go through it (one short query each). */
  pool: pg.Pool;
  /** Opens the connection that LISTENs: a dedicated one, never the pool's (LISTEN belongs to a session). */
  connect: () => Promise<pg.Client>;
  onError?: (error: unknown) => void;
}

/**
 * {@link TaskSignals} over PostgreSQL LISTEN/NOTIFY: a stream on one API process hears a render's progress on a
 * worker elsewhere at once, and a cancel reaches the worker rendering it. Signals are delivered to local
 * listeners at once and again when the NOTIFY comes back (listeners only re-read rows, so twice is harmless).
 * When the listening connection drops it reconnects with backoff; meanwhile readers fall back to polling.
 */
export async function openPgTaskSignals(options: PgTaskSignalsOptions): Promise<TaskSignals> {
  const onError = options.onError ?? (() => {});
  const listeners = new SignalListeners(onError);
  let closed = false;
  let client: pg.Client | null = null;
  let reconnectTimer: NodeJS.Timeout | undefined;

  async function listen(): Promise<void> {
    const next = await options.connect();
    next.on('notification', (message) => {
      if (message.channel !== SIGNAL_CHANNEL || !message.payload) return;
      const signal = parseSignal(message.payload);
      if (signal) listeners.emit(signal);
    });
    next.on('error', (error) => {
      onError(error);
      lost(next);
    });
    next.on('end', () => lost(next));
    await next.query(`LISTEN ${SIGNAL_CHANNEL}`);
    if (closed) await next.end();
    else client = next;
  }

  // Both 'error' and 'end' may fire for one lost connection; only the first schedules a reconnect.
  function lost(which: pg.Client): void {
    if (closed || client !== which) return;
    client = null;
    reconnect(0);
  }

  function reconnect(attempt: number): void {
    reconnectTimer = setTimeout(
      () => {
        listen().catch((error: unknown) => {
          onError(error);
          if (!closed) reconnect(attempt + 1);
        });
      },
      RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)],
    );
    reconnectTimer.unref();
  }

  await listen();
  return {
    publish(signal) {
      listeners.emit(signal);
      options.pool
        .query('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, `${signal.kind}:${signal.taskId}`])
        .catch(onError);
    },
    subscribe: (listener) => listeners.add(listener),
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}

function parseSignal(payload: string): TaskSignal | null {
  const colon = payload.indexOf(':');
  const kind = payload.slice(0, colon) as TaskSignal['kind'];
  const taskId = payload.slice(colon + 1);
  return colon > 0 && KINDS.has(kind) && taskId ? { kind, taskId } : null;
}
