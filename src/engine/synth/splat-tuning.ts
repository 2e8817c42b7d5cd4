/** The knobs of the splatting synthesis; the defaults are the ones bench/quality.ts measured best. */
export interface SplatTuning {
  /**
   * How strongly a confident source pixel wins over an unconfident one landing on the same spot. A pixel that
   * fails the consistency check is usually background about to be covered, so the occluder must win clearly.
   */
  readonly prioritySharpness: number;
  /** Priority gained per unit of deviation from the global motion. */
  readonly foregroundSharpness: number;
  /**
   * Confidence under which that gain shrinks, linearly to none at 0: a vector that fails the consistency test
   * and moves fast is mostly a motion edge's bleed (an object's motion smeared onto the background beside it),
   * which must not win over the background it lands on as if it were in front.
   */
  readonly foregroundMinConfidence: number;
  /** Deviation from the global motion that counts as one unit, as a fraction of the working diagonal. */
  readonly deviationUnit: number;
  /** Deviation beyond which a pixel is no more "in front" than it already is. */
  readonly maxDeviationUnits: number;
  /** Share of the blend weight kept by a visible pixel whose flow is not trusted, so weights never collapse. */
  readonly confidenceFloor: number;
  /** Splat coverage at which a pixel counts as fully visible; bilinear splats of a stretched region sum below 1. */
  readonly fullCoverage: number;
  /** Weight left to a frame where it sees nothing, so a pixel both splats missed still gets a time-based blend. */
  readonly holeWeight: number;
  /** Box radius of the agreement test between the splatted and the linear flow hypotheses (0 = per pixel). */
  readonly agreementRadius: number;
  /** Softness of that choice in luma levels; 0 turns the test off and keeps the splatted flows. */
  readonly agreementSigma: number;
  /**
   * Fill the flow where a splat left a hole (or a thin cover) from the splatted flow around it, instead of
   * the linear approximation: an expanding region (a push-in) splats apart, and switching between the two
   * kinds of vector at every hole tears the picture into stripes.
   */
  readonly fillHoles: boolean;
  /** Splat cover at and above which a vector is kept as splatted when holes are filled. */
  readonly holeFillTrusted: number;
}

export const DEFAULT_SPLAT_TUNING: SplatTuning = {
  prioritySharpness: 8,
  foregroundSharpness: 2,
  // 0.05: the crossing ghost case 5.3 / 4.0 instead of 8.2 / 8.7 (bench/RESULTS.md, fifth session).
  foregroundMinConfidence: 0.05,
  deviationUnit: 0.01,
  maxDeviationUnits: 4,
  confidenceFloor: 0.35,
  fullCoverage: 0.8,
  // 0.2 measures +0.1 dB on DAVIS, but ghosts a moved occluder where it was (render-frame.test.ts): keep low.
  holeWeight: 0.02,
  agreementRadius: 2,
  agreementSigma: 4,
  fillHoles: true,
  // 0.5 against 0.8 (seventh session): DAVIS +0.02 dB, UCF101 +0.01, the sample tunnel 2.67% / 7.36 against
  // 2.69% / 7.54 (bench/tune-quality.ts, every 2nd triplet; bench/RESULTS.md).
  holeFillTrusted: 0.5,
};
