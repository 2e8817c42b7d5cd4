/**
 * Dense optical flow for the local renderer: Dense Inverse Search with variational refinement, forward-backward
 * confidence, and the resampling and warping helpers the synthesis stage needs.
 */
export { computeFlow } from './compute-flow.js';
export { flowConfidence } from './consistency.js';
export type { FlowOptions, FlowPreset } from './options.js';
export { upsampleFlow } from './resize-flow.js';
export { warpPlaneBackward } from './warp.js';
