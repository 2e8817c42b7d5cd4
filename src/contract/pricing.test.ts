import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLE, formatUsd, quote, usdToMicros, type PriceTable } from './pricing.js';

const base = { resolution: '720p', duration: 5, is_rec: false, off_peak: false } as const;

describe('quote', () => {
  it('prices the default table by hand-computed values', () => {
    // 0.075 + 5 x 0.05
    expect(quote(base)).toEqual({ cost: '0.3250', discount: 1, micros: 325_000 });
    // 0.275 + 8 x 0.075 + 0.05
    expect(quote({ ...base, resolution: '1080p', duration: 8, is_rec: true })).toEqual({
      cost: '0.9250',
      discount: 1,
      micros: 925_000,
    });
    // 0.04 + 1 x 0.025
    expect(quote({ ...base, resolution: '540p', duration: 1 }).cost).toBe('0.0650');
  });

  it('halves off-peak tasks, recommended prompt included', () => {
    expect(quote({ ...base, off_peak: true })).toEqual({ cost: '0.1625', discount: 0.5, micros: 162_500 });
    expect(quote({ ...base, resolution: '1080p', duration: 8, is_rec: true, off_peak: true }).cost).toBe(
      '0.4625',
    );
  });

  it('rounds to a hundredth of a cent so the ledger amount equals the shown cost', () => {
    const table: PriceTable = { ...DEFAULT_PRICE_TABLE, offPeakMultiplier: 0.7 };
    // (0.04 + 1 x 0.025) x 0.7 = 0.0455
    expect(quote({ ...base, resolution: '540p', duration: 1, off_peak: true }, table).micros).toBe(45_500);
    const odd: PriceTable = { ...DEFAULT_PRICE_TABLE, offPeakMultiplier: 1 / 3 };
    const q = quote({ ...base, off_peak: true }, odd);
    expect(q.micros % 100).toBe(0);
    expect(q.cost).toBe('0.1083');
    expect(q.micros).toBe(108_300);
  });

  it('uses a configured table', () => {
    const table: PriceTable = {
      resolutions: {
        '540p': { base: usdToMicros('0'), perSecond: usdToMicros('0.01') },
        '720p': { base: usdToMicros('0.1'), perSecond: usdToMicros('0.02') },
        '1080p': { base: usdToMicros('1'), perSecond: usdToMicros('0.5') },
      },
      recommendedPrompt: usdToMicros('0'),
      updatedAt: 0,
      offPeakMultiplier: 1,
    };
    expect(quote({ ...base, is_rec: true }, table).cost).toBe('0.2000');
    expect(quote({ ...base, resolution: '1080p', off_peak: true }, table)).toEqual({
      cost: '3.5000',
      discount: 1,
      micros: 3_500_000,
    });
  });
});

describe('money helpers', () => {
  it('formats micro-dollars with 4 decimals', () => {
    expect(formatUsd(0)).toBe('0.0000');
    expect(formatUsd(325_000)).toBe('0.3250');
    expect(formatUsd(12_345_678)).toBe('12.3457');
  });

  it('reads decimal USD exactly', () => {
    expect(usdToMicros('0.075')).toBe(75_000);
    expect(usdToMicros('0.000001')).toBe(1);
    expect(usdToMicros('12')).toBe(12_000_000);
    expect(() => usdToMicros('0.0000001')).toThrow(RangeError);
    expect(() => usdToMicros('-1')).toThrow(RangeError);
    expect(() => usdToMicros('1e3')).toThrow(RangeError);
  });
});
