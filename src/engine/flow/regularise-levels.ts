/**
 * The cell pyramid of {@link regulariseFlow} (regularise-flow.ts): its levels, how they are pooled bottom up,
 * and the coarse taps each fine pixel reads on the way down.
 */

export interface Level {
  readonly width: number;
  readonly height: number;
  /** Sums over the cell: weight, weight * u, weight * v, weight * luma. */
  readonly w: Float32Array;
  readonly wu: Float32Array;
  readonly wv: Float32Array;
  readonly wl: Float32Array;
  /** Plain mean luma of the cell, and the cell's pixel count (fixed by the grid, counted once). */
  readonly luma: Float32Array;
  readonly count: Float32Array;
  /** Scratch of the top-down pass: each cell's reliable luma. */
  readonly reliableLuma: Float64Array;
  /** The level's estimate, written by the top-down pass. */
  readonly u: Float32Array;
  readonly v: Float32Array;
  /**
   * The taps of this level's columns and rows into the next coarser level (null at the top): fixed by the two
   * grids, so computed once with the pyramid, not at every call of the top-down pass (twice a frame).
   */
  columnTaps: Taps | null;
  rowTaps: Taps | null;
}

// The synthesis fills splat holes with this function twice a frame: one pyramid per thread, kept between calls
// of the same size, saves the garbage collector ~5 MB a call. Every call overwrites what it reads.
let cached: Level[] | null = null;

/** The pyramid for a width x height flow: this thread's cached one when the size matches. */
export function levelsFor(width: number, height: number): Level[] {
  if (cached?.[0].width === width && cached[0].height === height) return cached;
  const levels = [emptyLevel(width, height)];
  while (levels[levels.length - 1].width > 1 || levels[levels.length - 1].height > 1) {
    const last = levels[levels.length - 1];
    levels.push(emptyLevel(Math.max(1, Math.ceil(last.width / 2)), Math.max(1, Math.ceil(last.height / 2))));
  }
  levels[0].count.fill(1);
  for (let k = 1; k < levels.length; k++) {
    const fine = levels[k - 1];
    const coarse = levels[k];
    countCells(fine, coarse);
    fine.columnTaps = tapsFor(fine.width, coarse.width);
    fine.rowTaps = tapsFor(fine.height, coarse.height);
  }
  cached = levels;
  return levels;
}

function emptyLevel(width: number, height: number): Level {
  const n = width * height;
  return {
    width,
    height,
    w: new Float32Array(n),
    wu: new Float32Array(n),
    wv: new Float32Array(n),
    wl: new Float32Array(n),
    luma: new Float32Array(n),
    count: new Float32Array(n),
    reliableLuma: new Float64Array(n),
    u: new Float32Array(n),
    v: new Float32Array(n),
    columnTaps: null,
    rowTaps: null,
  };
}

/** Sums 2x2 cells into the next level; vectors halve with the grid, odd edges fold into the last cell. */
export function pool(fine: Level, level: Level, withLuma: boolean): void {
  const { width, height } = level;
  const { w, wu, wv, wl, luma, count } = level;
  w.fill(0);
  wu.fill(0);
  wv.fill(0);
  if (withLuma) {
    wl.fill(0);
    luma.fill(0);
  }
  const fw = fine.width;
  for (let y = 0; y < fine.height; y++) {
    const row = Math.min(height - 1, y >> 1) * width;
    for (let x = 0, i = y * fw; x < fw; x++, i++) {
      const j = row + Math.min(width - 1, x >> 1);
      w[j] += fine.w[i];
      wu[j] += fine.wu[i] * 0.5;
      wv[j] += fine.wv[i] * 0.5;
      if (withLuma) {
        wl[j] += fine.wl[i];
        luma[j] += fine.luma[i] * fine.count[i];
      }
    }
  }
  if (withLuma) for (let j = 0; j < width * height; j++) luma[j] /= count[j];
}

/** The pixel count of each cell of `level`, summed from the finer level's as `pool` sums everything else. */
function countCells(fine: Level, level: Level): void {
  const { width, height, count } = level;
  for (let y = 0; y < fine.height; y++) {
    const row = Math.min(height - 1, y >> 1) * width;
    for (let x = 0; x < fine.width; x++)
      count[row + Math.min(width - 1, x >> 1)] += fine.count[y * fine.width + x];
  }
}

/**
 * The coarse cells a fine row or column reads, 3 per fine index: a coarse cell c covers fine pixels 2c and
 * 2c + 1, so its centre is at fine coordinate 2c + 0.5, and a tent of radius 1.5 coarse cells around the fine
 * pixel reaches three of them. Cells outside the coarse grid get weight 0 (and a valid index), which leaves every sum
 * as it was when they were skipped.
 */
export interface Taps {
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

function tapsFor(fineSize: number, coarseSize: number): Taps {
  const index = new Int32Array(3 * fineSize);
  const weight = new Float64Array(3 * fineSize);
  for (let f = 0; f < fineSize; f++) {
    const at = (f + 0.5) * 0.5 - 0.5;
    const first = Math.floor(at);
    // Of the four cells first - 1 .. first + 2, the outermost on one side is 1.75 away: outside the tent.
    const from = at - first < 0.5 ? first - 1 : first;
    for (let d = 0; d < 3; d++) {
      const c = from + d;
      const inside = c >= 0 && c < coarseSize;
      index[3 * f + d] = inside ? c : 0;
      weight[3 * f + d] = inside ? Math.max(0, 1.5 - Math.abs(c - at)) / 1.5 : 0;
    }
  }
  return { index, weight };
}
