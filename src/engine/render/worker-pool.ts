import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';

/**
 * Built code runs dist/engine/render/render-worker.js. Under the test runner and tsx the sources are TypeScript:
 * the worker first registers tsx's loader in its own thread (Node 20 does not pass an --import loader on to
 * worker threads), then imports the TypeScript worker.
 */
function startRenderWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./render-worker.js', import.meta.url));
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./render-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { eval: true });
}

interface PendingJob {
  readonly message: unknown;
  readonly transfer: readonly Transferable[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: PendingJob | null;
}

/** Default number of render threads: one per core, the encoder shares them. */
export function defaultThreadCount(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * A fixed set of worker threads running `render-worker`, one job at a time each, first come first served.
 * Pixel data travels in SharedArrayBuffers, so a job message carries handles, not copies. A worker that
 * crashes fails only its own job and is replaced, so one bad frame cannot take down a render pool that other
 * renders share.
 */
export class WorkerPool {
  readonly size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: PendingJob[] = [];
  #closed = false;

  constructor(size = defaultThreadCount()) {
    this.size = size;
    for (let i = 0; i < size; i++) this.#slots.push({ worker: this.#spawn(), job: null });
  }

  /** Runs one job on the next free worker; resolves with the worker's answer. */
  run<T>(message: unknown, transfer: readonly Transferable[] = []): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ message, transfer, resolve: resolve as (value: unknown) => void, reject });
      this.#dispatch();
    });
  }

  /** Stops every worker; queued and running jobs reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new Error('worker pool is closed');
    for (const job of this.#queue.splice(0)) job.reject(error);
    await Promise.all(
      this.#slots.map(async (slot) => {
        slot.job?.reject(error);
        slot.job = null;
        await slot.worker.terminate();
      }),
    );
  }

  #spawn(): Worker {
    const worker = startRenderWorker();
    worker.on(
      'message',
      (reply: { ok: boolean; value?: unknown; error?: { message: string; stack?: string } }) => {
        const slot = this.#slots.find((s) => s.worker === worker);
        const job = slot?.job;
        if (!slot || !job) return;
        slot.job = null;
        if (reply.ok) job.resolve(reply.value);
        else
          job.reject(
            Object.assign(new Error(reply.error?.message ?? 'render worker failed'), {
              stack: reply.error?.stack,
            }),
          );
        this.#dispatch();
      },
    );
    worker.on('error', (error) => this.#replace(worker, error));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#replace(worker, new Error(`render worker exited with code ${code}`));
    });
    // Idle workers must not keep a CLI process alive after its last render.
    worker.unref();
    return worker;
  }

  #replace(worker: Worker, error: Error): void {
    const slot = this.#slots.find((s) => s.worker === worker);
    if (!slot || this.#closed) return;
    slot.job?.reject(error);
    slot.job = null;
    void worker.terminate();
    slot.worker = this.#spawn();
    this.#dispatch();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.job !== null) continue;
      const job = this.#queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.message, [...job.transfer]);
    }
    for (const slot of this.#slots) if (slot.job === null) slot.worker.unref();
  }
}
