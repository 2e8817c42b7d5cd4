/** Default decoded-pixel ceiling: 100 MP is beyond any phone camera, far below what exhausts memory. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;
