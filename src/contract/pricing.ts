import type { GenerationParams, Resolution } from './generation-params.js';

/** Money is integer micro-dollars (1 USD = 1 000 000) so sums and refunds are exact. */
export type Micros = number;

/** Prices in micro-dollars. */
export interface PriceTable {
  /** Per resolution: a fixed part per task and a part per second of video. */
  resolutions: Readonly<Record<Resolution, { base: Micros; perSecond: Micros }>>;
  /** Added when `is_rec` asks for a recommended prompt. */
  recommendedPrompt: Micros;
  /** Multiplier for `off_peak` tasks (0.5 = half price); applied to the whole task, in millionths. */
  offPeakMultiplier: number;
  /** When this table took effect, ms since the epoch: precharge's `updated_at`, so a client can tell a change. */
  updatedAt: number;
}

/** The defaults of DESIGN.md: public resellers' list prices for this model. */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  resolutions: {
    '540p': { base: 40_000, perSecond: 25_000 },
    '720p': { base: 75_000, perSecond: 50_000 },
    '1080p': { base: 275_000, perSecond: 75_000 },
  },
  recommendedPrompt: 50_000,
  offPeakMultiplier: 0.5,
  // The day these defaults were last changed.
  updatedAt: Date.UTC(2026, 11, 1),
};

/** A price quote, the shape of a task's `usage` plus the exact amount for the ledger. */
export interface Quote {
  /** USD with 4 decimals, e.g. "0.3250". */
  cost: string;
  /** The multiplier applied (1 = none, 0.5 = off-peak half price). */
  discount: number;
  /** The same amount in micro-dollars, always a multiple of 100 so it equals `cost` exactly. */
  micros: Micros;
}

// Costs are shown to a hundredth of a cent; the charge is rounded to that so what is shown is what is charged.
const SHOWN_UNIT = 100;

/** The price of a request: base + per second x duration (+ recommended prompt), times the off-peak multiplier. */
export function quote(
  request: Pick<GenerationParams, 'resolution' | 'duration' | 'is_rec' | 'off_peak'>,
  table: PriceTable = DEFAULT_PRICE_TABLE,
): Quote {
  const price = table.resolutions[request.resolution];
  if (price === undefined) throw new RangeError(`No price for resolution ${String(request.resolution)}`);
  let micros = price.base + price.perSecond * request.duration;
  if (request.is_rec) micros += table.recommendedPrompt;
  const discount = request.off_peak ? table.offPeakMultiplier : 1;
  if (discount !== 1) {
    // The multiplier as integer millionths, so no float ever touches the money.
    const millionths = Math.round(discount * 1_000_000);
    micros = roundHalfUp(micros * millionths, 1_000_000);
  }
  micros = roundHalfUp(micros, SHOWN_UNIT) * SHOWN_UNIT;
  if (!Number.isSafeInteger(micros) || micros < 0) {
    throw new RangeError(
      `Expected a non-negative price but computed ${micros} micro-dollars; check the price table`,
    );
  }
  return { cost: formatUsd(micros), discount, micros };
}

/** Micro-dollars as a USD string with 4 decimals (rounded half up): 325000 is "0.3250". */
export function formatUsd(micros: Micros): string {
  const tenThousandths = roundHalfUp(micros, SHOWN_UNIT);
  const sign = tenThousandths < 0 ? '-' : '';
  const abs = Math.abs(tenThousandths);
  return `${sign}${Math.floor(abs / 10_000)}.${String(abs % 10_000).padStart(4, '0')}`;
}

/**
 * A decimal USD string ("0.075", "1", "0.000001") as exact micro-dollars, for price tables read from
 * configuration; more than 6 decimals or anything but a plain non-negative decimal is a RangeError.
 */
export function usdToMicros(usd: string): Micros {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(usd.trim());
  if (match === null) {
    throw new RangeError(
      `Expected a decimal USD amount with at most 6 decimals but received ${JSON.stringify(usd)}`,
    );
  }
  const micros = Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
  if (!Number.isSafeInteger(micros)) throw new RangeError(`USD amount ${usd} is too large`);
  return micros;
}

// Integer division of a non-negative numerator, rounding halves up.
function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((numerator + denominator / 2) / denominator);
}
