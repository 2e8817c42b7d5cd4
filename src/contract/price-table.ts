import { createHash } from 'node:crypto';
import { describeValue } from './describe-value.js';
import { RESOLUTIONS, type GenerationParams, type Resolution } from './generation-params.js';
import { quote, usdToMicros, type Micros, type PriceTable } from './pricing.js';

/**
 * A price table as an operator writes it (the file named by `INBETWEEN_PRICE_TABLE`), USD as decimal strings so
 * no float touches the money:
 * `{"updated_at": "2026-12-01T00:00:00Z", "resolutions": {"540p": {"base": "0.04", "per_second": "0.025"}, ...},
 *   "is_rec": "0.05", "off_peak_discount": 0.5}`
 * Every resolution must be priced; `updated_at` (ISO time or ms) is the table's version, shown by precharge.
 * Anything else is a RangeError naming the member, so a bad table stops the start instead of mispricing.
 */
export function parsePriceTable(text: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`Expected a JSON object for the price table but received text that is not JSON`, {
      cause: error,
    });
  }
  const table = object(raw, 'the price table');
  const known = new Set(['updated_at', 'resolutions', 'is_rec', 'off_peak_discount']);
  const unknown = Object.keys(table).find((name) => !known.has(name));
  if (unknown !== undefined) {
    throw new RangeError(`Expected only ${[...known].join(', ')} in the price table but received ${unknown}`);
  }
  const resolutionsRaw = object(table.resolutions, 'resolutions');
  const resolutions = {} as Record<Resolution, { base: Micros; perSecond: Micros }>;
  for (const resolution of RESOLUTIONS) {
    const row = object(resolutionsRaw[resolution], `resolutions.${resolution}`);
    resolutions[resolution] = {
      base: usd(row.base, `resolutions.${resolution}.base`),
      perSecond: usd(row.per_second, `resolutions.${resolution}.per_second`),
    };
  }
  const extra = Object.keys(resolutionsRaw).find(
    (name) => !(RESOLUTIONS as readonly string[]).includes(name),
  );
  if (extra !== undefined) {
    throw new RangeError(`Expected resolutions ${RESOLUTIONS.join(', ')} but received ${extra}`);
  }
  const discount = table.off_peak_discount ?? 0.5;
  if (typeof discount !== 'number' || !(discount > 0 && discount <= 1)) {
    throw new RangeError(
      `Expected a number in (0, 1] for off_peak_discount but received ${describeValue(discount)}`,
    );
  }
  return {
    resolutions,
    recommendedPrompt: table.is_rec === undefined ? 0 : usd(table.is_rec, 'is_rec'),
    offPeakMultiplier: discount,
    updatedAt: version(table.updated_at),
  };
}

/** What `POST /model/v1/generation/precharge` answers in `data` (the operator's SDK reads these names). */
export interface PrechargeQuote {
  model: string;
  original_model: string;
  billing_model: string;
  sample_count: 1;
  /** USD with 4 decimals. */
  cost: string;
  currency: 'USD';
  discount: number;
  /** A stable digest of what the price depends on: same parameters, same hash. */
  hash: string;
  /** The price table's version, ms since the epoch. */
  updated_at: number;
}

/** The precharge answer for a validated request under `table`. */
export function prechargeQuote(
  request: Pick<GenerationParams, 'resolution' | 'duration' | 'is_rec' | 'off_peak'> & { model: string },
  table: PriceTable,
): PrechargeQuote {
  const { cost, discount } = quote(request, table);
  return {
    model: request.model,
    original_model: request.model,
    billing_model: request.model,
    sample_count: 1,
    cost,
    currency: 'USD',
    discount,
    hash: pricedParametersHash(request),
    updated_at: table.updatedAt,
  };
}

/** SHA-256 (hex) of the priced parameters in a fixed order, so spelling and member order do not change it. */
export function pricedParametersHash(
  request: Pick<GenerationParams, 'resolution' | 'duration' | 'is_rec' | 'off_peak'> & { model: string },
): string {
  const priced = [request.model, request.resolution, request.duration, request.is_rec, request.off_peak];
  return createHash('sha256').update(JSON.stringify(priced)).digest('hex');
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RangeError(`Expected an object for ${name} but received ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function usd(value: unknown, name: string): Micros {
  if (typeof value !== 'string') {
    throw new RangeError(
      `Expected a decimal USD string like "0.05" for ${name} but received ${describeValue(value)}`,
    );
  }
  try {
    return usdToMicros(value);
  } catch (error) {
    throw new RangeError(`${name}: ${(error as Error).message}`, { cause: error });
  }
}

function version(value: unknown): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(
      `Expected an ISO time or ms since the epoch for updated_at but received ${describeValue(value)}`,
    );
  }
  return ms;
}
