import PgBoss from 'pg-boss';
import type pg from 'pg';

import type { StoredTask } from '../store/index.js';

/** Normal tasks; a free render slot takes these first. */
export const RENDER_QUEUE = 'inbetween-render';
/** Off-peak tasks: their own queue, taken only by an idle worker or in the off-peak window, as embedded. */
export const OFF_PEAK_QUEUE = 'inbetween-render-off-peak';

/** A job: only the task's id. The task row is the truth; the job only says "look at this task". */
export interface RenderJob {
  /** pg-boss's job id. */
  id: string;
  queue: string;
  taskId: string;
}

/** Options of {@link openPgBossQueue}. */
export interface PgBossQueueOptions {
  /** The same PostgreSQL as the store (`DATABASE_URL`). */
  url: string;
  /** pg-boss's schema; default `pgboss`. */
  schema?: string;
  /** Run pg-boss's maintenance (expiring stranded jobs, archiving): in workers; harmless in several at once. */
  supervise: boolean;
  onError?: (error: unknown) => void;
}

/**
 * A job lives from its send until a worker claimed its task, not for the whole render: the task's lease and
 * heartbeat cover the render (with today's attempts), so a job only has to survive a worker that dies between
 * fetching it and claiming the task. Then it expires after this long and pg-boss retries it.
 */
const JOB_EXPIRE_SECONDS = 60;
const JOB_RETRY_LIMIT = 20;

/**
 * Dispatch on pg-boss 10: the store sends a job inside the transaction that makes a task pending (insert, expired
 * lease), through the hooks of {@link PgBossQueue.storeHooks}, so a job exists exactly when its task does.
 */
export class PgBossQueue {
  readonly #boss: PgBoss;

  private constructor(boss: PgBoss) {
    this.#boss = boss;
  }

  /** Starts pg-boss (creating or migrating its schema under its own advisory lock) and both queues. */
  static async open(options: PgBossQueueOptions): Promise<PgBossQueue> {
    const boss = new PgBoss({
      connectionString: options.url,
      schema: options.schema ?? 'pgboss',
      application_name: 'inbetween-queue',
      max: 4,
      supervise: options.supervise,
      schedule: false,
      // Expired jobs come back within half a minute; the default is two.
      maintenanceIntervalSeconds: 30,
    });
    boss.on('error', (error) => options.onError?.(error));
    await boss.start();
    try {
      for (const name of [RENDER_QUEUE, OFF_PEAK_QUEUE]) {
        await boss.createQueue(name, {
          name,
          policy: 'standard',
          retryLimit: JOB_RETRY_LIMIT,
          retryDelay: 1,
          expireInSeconds: JOB_EXPIRE_SECONDS,
          // A job's whole life is seconds; a day of history is plenty to inspect.
          retentionMinutes: 24 * 60,
        });
      }
    } catch (error) {
      await boss.stop({ graceful: false, wait: true });
      throw error;
    }
    return new PgBossQueue(boss);
  }

  /** The store hooks that send a task's job on the store's own transaction connection. */
  storeHooks(): {
    onInsertInTransaction: (client: pg.PoolClient, task: StoredTask) => Promise<void>;
    onRequeueInTransaction: (client: pg.PoolClient, task: StoredTask) => Promise<void>;
  } {
    const send = async (client: pg.PoolClient, task: StoredTask): Promise<void> => {
      const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
      const id = await this.#boss.send(queueOf(task), { taskId: task.id }, { db });
      // A null id means pg-boss inserted nothing (no such queue): the transaction must not commit a task that
      // no worker would ever hear of.
      if (id === null) throw new Error(`pg-boss refused the job of ${task.id}`);
    };
    return { onInsertInTransaction: send, onRequeueInTransaction: send };
  }

  /** The next job of `queue`, now active under this process, or null when none waits. */
  async fetch(queue: string): Promise<RenderJob | null> {
    const [job] = await this.#boss.fetch<{ taskId?: unknown }>(queue, { batchSize: 1, priority: false });
    if (!job) return null;
    const taskId = typeof job.data?.taskId === 'string' ? job.data.taskId : '';
    return { id: job.id, queue, taskId };
  }

  /** The job did its part (its task is claimed, or no longer pending and the job dropped). */
  async complete(job: RenderJob): Promise<void> {
    await this.#boss.complete(job.queue, job.id);
  }

  /** Jobs waiting in both queues, for /metrics. */
  async depth(): Promise<{ normal: number; offPeak: number }> {
    const [normal, offPeak] = await Promise.all([
      this.#boss.getQueueSize(RENDER_QUEUE),
      this.#boss.getQueueSize(OFF_PEAK_QUEUE),
    ]);
    return { normal, offPeak };
  }

  async close(): Promise<void> {
    await this.#boss.stop({ graceful: false, wait: true });
  }
}

function queueOf(task: StoredTask): string {
  return task.offPeak ? OFF_PEAK_QUEUE : RENDER_QUEUE;
}
