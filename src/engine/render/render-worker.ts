import { parentPort } from 'node:worker_threads';
import { computeFlow, type FlowOptions } from '../flow/index.js';
import type { Plane } from '../raster/types.js';
import { drawSceneFrame, type Scene } from './scene.js';

/** Messages a render worker understands; see WorkerPool. */
export type RenderJob =
  | { readonly type: 'flow'; readonly from: Plane; readonly to: Plane; readonly options: FlowOptions }
  | {
      readonly type: 'frame';
      readonly scene: Scene;
      readonly t: number;
      /** A spent frame of the same clip to draw into, transferred here and back; a new one when absent. */
      readonly out?: Uint8Array;
    };

function handle(job: RenderJob): { value: unknown; transfer: ArrayBuffer[] } {
  switch (job.type) {
    case 'flow': {
      const flow = computeFlow(job.from, job.to, job.options);
      return { value: flow, transfer: transferable(flow.data.buffer) };
    }
    case 'frame': {
      const frame = drawSceneFrame(job.scene, job.t, job.out);
      return { value: frame, transfer: transferable(frame.buffer) };
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
