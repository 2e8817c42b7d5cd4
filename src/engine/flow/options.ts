import type { Homography } from '../raster/types.js';

/** Named parameter sets; `medium` is the default (see bench/flow-eval.ts for the measurements behind it). */
export type FlowPreset = 'fast' | 'medium';

/** Options of {@link computeFlow}. Every knob is optional; unset knobs come from the preset. */
export interface FlowOptions {
  /**
   * Global motion from `from` pixel coordinates to `to` pixel coordinates at this plane's resolution. The
   * coarsest level starts from H(x) - x, which lets the pyramid catch motion far larger than it could search.
   */
  initialHomography?: Homography;
  /** Parameter set the other knobs default to. */
  preset?: FlowPreset;
  /** Side of the square patches aligned by inverse search, in pixels. */
  patchSize?: number;
  /** Distance between neighbouring patch origins, in pixels; smaller is denser, slower and smoother. */
  patchStride?: number;
  /** Gauss-Newton iterations per patch and level (split over the forward and backward sweep). */
  iterations?: number;
  /** Fixed-point iterations of the variational refinement per level; 0 turns it off. */
  variationalIterations?: number;
  /** Finest pyramid level computed: 0 = full resolution, 1 = half resolution then upsampled, and so on. */
  finestLevel?: number;
  /**
   * Variational refinement passes on the finest level, each warping the frames again by the refined flow
   * (coarser levels run one): re-linearising lets the data term correct steps larger than its linearisation.
   */
  finestRefinePasses?: number;
  /** Tolerance of densification to a patch's error relative to its texture (see patchErrorWeight); 0 = off. */
  densifyErrorScale?: number;
  /** Radius of the local brute-force search for poorly explained patches below the coarsest level; 0 = off. */
  researchRadius?: number;
}

/** The internal shape: every field present, validated once. */
export interface ResolvedFlowOptions {
  readonly initialHomography: Homography | undefined;
  readonly patchSize: number;
  readonly patchStride: number;
  readonly iterations: number;
  readonly variationalIterations: number;
  readonly sorIterations: number;
  readonly finestLevel: number;
  readonly finestRefinePasses: number;
  readonly densifyErrorScale: number;
  readonly researchRadius: number;
  /** Weights of the variational energy: smoothness, brightness constancy, gradient constancy. */
  readonly alpha: number;
  readonly delta: number;
  readonly gamma: number;
}

type PresetValues = Omit<ResolvedFlowOptions, 'initialHomography'>;

const PRESETS: Readonly<Record<FlowPreset, PresetValues>> = {
  fast: {
    patchSize: 8,
    patchStride: 4,
    iterations: 12,
    variationalIterations: 2,
    sorIterations: 5,
    finestLevel: 1,
    finestRefinePasses: 1,
    densifyErrorScale: 0,
    researchRadius: 0,
    alpha: 20,
    delta: 5,
    gamma: 10,
  },
  medium: {
    patchSize: 8,
    // Stride 3, 12 iterations: +0.08 dB DAVIS, +0.15 dB UCF101 (bench/quality.ts) over stride 4, 16; 1.25x the time.
    patchStride: 3,
    iterations: 12,
    // 5 (OpenCV's count) measured 0.01 dB better on DAVIS at 1.8x the time; see bench/flow-eval.ts.
    variationalIterations: 2,
    sorIterations: 5,
    finestLevel: 0,
    // 3 passes on the finest level: +0.03 dB DAVIS, +0.05 dB UCF101 (bench/tune-synth.ts); 1.6x the time.
    finestRefinePasses: 3,
    // Occlusion-aware densification at 0.5: about +0.04 dB DAVIS, UCF101 within noise.
    densifyErrorScale: 0.5,
    // 6: UCF101 +0.6 dB (a small fast ball found on one triplet, 36.7 -> 48.7 dB), DAVIS unchanged; 4 missed it.
    researchRadius: 6,
    alpha: 20,
    delta: 5,
    gamma: 10,
  },
};

function expectInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Expected an integer between ${min} and ${max} for ${name} but received ${value}`);
  }
  return value;
}

function expectRange(name: string, value: number, min: number, max: number): number {
  if (!(value >= min && value <= max)) {
    throw new RangeError(`Expected a number between ${min} and ${max} for ${name} but received ${value}`);
  }
  return value;
}

/** Fills in defaults from the preset and checks every knob, so the hot loops can trust their inputs. */
export function resolveFlowOptions(options: FlowOptions = {}): ResolvedFlowOptions {
  const presetName = options.preset ?? 'medium';
  const preset = PRESETS[presetName];
  if (preset === undefined) {
    throw new RangeError(`Expected 'fast' or 'medium' for preset but received ${String(presetName)}`);
  }
  const homography = options.initialHomography;
  if (homography !== undefined && homography.length !== 9) {
    throw new RangeError(`Expected 9 values for initialHomography but received ${homography.length}`);
  }
  const patchSize = expectInteger('patchSize', options.patchSize ?? preset.patchSize, 4, 32);
  return {
    ...preset,
    initialHomography: homography,
    patchSize,
    patchStride: expectInteger('patchStride', options.patchStride ?? preset.patchStride, 1, patchSize),
    iterations: expectInteger('iterations', options.iterations ?? preset.iterations, 1, 200),
    variationalIterations: expectInteger(
      'variationalIterations',
      options.variationalIterations ?? preset.variationalIterations,
      0,
      50,
    ),
    finestLevel: expectInteger('finestLevel', options.finestLevel ?? preset.finestLevel, 0, 4),
    finestRefinePasses: expectInteger(
      'finestRefinePasses',
      options.finestRefinePasses ?? preset.finestRefinePasses,
      1,
      10,
    ),
    researchRadius: expectInteger('researchRadius', options.researchRadius ?? preset.researchRadius, 0, 16),
    densifyErrorScale: expectRange(
      'densifyErrorScale',
      options.densifyErrorScale ?? preset.densifyErrorScale,
      0,
      100,
    ),
  };
}
