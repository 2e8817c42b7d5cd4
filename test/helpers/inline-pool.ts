import { computeFlow } from '../../src/engine/flow/index.js';
import type { RenderJob } from '../../src/engine/render/render-worker.js';
import type { FramePool } from '../../src/engine/render/render-video.js';

/**
 * What prepareScene asks of a pool (the two flows), run in this thread: scenes for drawing frames inline,
 * without starting worker threads.
 */
export const inlineFlowPool: FramePool = {
  size: 1,
  run: <T>(message: unknown): Promise<T> => {
    const job = message as RenderJob;
    if (job.type !== 'flow') throw new Error(`Expected a flow job but received ${job.type}`);
    return Promise.resolve(computeFlow(job.from, job.to, job.options) as T);
  },
};
