import { parentPort } from 'node:worker_threads';
import { computeFlow, type FlowOptions } from '../flow/index.js';
import type { Plane } from '../raster/types.js';
import { drawSceneRun } from './scene-run.js';
import type { Scene } from './scene.js';

/** Messages a render worker understands; see WorkerPool. */
export type RenderJob =
  | { readonly type: 'flow'; readonly from: Plane; readonly to: Plane; readonly options: FlowOptions }
  | {
      readonly type: 'frames';
      readonly scene: Scene;
      /** Consecutive frame times of one run (see scene-run.ts). */
      readonly ts: readonly number[];
      /** Spent frames of the same clip to draw into (transferred here and back), by position; new where absent. */
      readonly outs?: readonly Uint8Array[];
    };

function handle(job: RenderJob): { value: unknown; transfer: ArrayBuffer[] } {
  switch (job.type) {
    case 'flow': {
      const flow = computeFlow(job.from, job.to, job.options);
      return { value: flow, transfer: transferable(flow.data.buffer) };
    }
    case 'frames': {
      const frames = drawSceneRun(job.scene, job.ts, job.outs);
      return { value: frames, transfer: frames.flatMap((frame) => transferable(frame.buffer)) };
    }
  }
}

function transferable(buffer: ArrayBufferLike): ArrayBuffer[] {
  return buffer instanceof ArrayBuffer ? [buffer] : [];
}

parentPort?.on('message', (job: RenderJob) => {
  try {
    const { value, transfer } = handle(job);
    parentPort?.postMessage({ ok: true, value }, transfer);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort?.postMessage({ ok: false, error: { message: e.message, stack: e.stack } });
  }
});
