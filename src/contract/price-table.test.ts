import { describe, expect, it } from 'vitest';
import { parsePriceTable, prechargeQuote, pricedParametersHash } from './price-table.js';
import { DEFAULT_PRICE_TABLE, quote } from './pricing.js';

const TABLE = {
  updated_at: '2026-11-30T12:00:00Z',
  resolutions: {
    '540p': { base: '0.10', per_second: '0.10' },
    '720p': { base: '0.20', per_second: '0.10' },
    '1080p': { base: '0.40', per_second: '0.20' },
  },
  is_rec: '0.05',
  off_peak_discount: 0.25,
};
const request = { model: 'm', resolution: '720p', duration: 5, is_rec: false, off_peak: false } as const;

describe('parsePriceTable', () => {
  it('reads a table into exact micro-dollars with its version', () => {
    const table = parsePriceTable(JSON.stringify(TABLE));
    expect(table).toEqual({
      resolutions: {
        '540p': { base: 100_000, perSecond: 100_000 },
        '720p': { base: 200_000, perSecond: 100_000 },
        '1080p': { base: 400_000, perSecond: 200_000 },
      },
      recommendedPrompt: 50_000,
      offPeakMultiplier: 0.25,
      updatedAt: Date.parse('2026-11-30T12:00:00Z'),
    });
    expect(quote(request, table).cost).toBe('0.7000');
    expect(quote({ ...request, off_peak: true, is_rec: true }, table).cost).toBe('0.1875');
  });

  it('refuses a table it cannot price with, naming the member', () => {
    const bad: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      [[], /object for the price table/],
      [{ ...TABLE, resolutions: { '540p': TABLE.resolutions['540p'] } }, /resolutions\.720p/],
      [{ ...TABLE, resolutions: { ...TABLE.resolutions, '4k': TABLE.resolutions['540p'] } }, /4k/],
      [
        { ...TABLE, resolutions: { ...TABLE.resolutions, '720p': { base: 0.2, per_second: '0.1' } } },
        /720p\.base/,
      ],
      [{ ...TABLE, is_rec: '-1' }, /is_rec/],
      [{ ...TABLE, is_rec: '0.0000001' }, /is_rec.*6 decimals/],
      [{ ...TABLE, off_peak_discount: 0 }, /off_peak_discount/],
      [{ ...TABLE, off_peak_discount: 1.5 }, /off_peak_discount/],
      [{ ...TABLE, updated_at: 'yesterday' }, /updated_at/],
      [{ ...TABLE, currency: 'EUR' }, /currency/],
    ];
    for (const [table, message] of bad) {
      const text = typeof table === 'string' ? table : JSON.stringify(table);
      expect(() => parsePriceTable(text), text).toThrow(message);
    }
  });
});

describe('prechargeQuote', () => {
  it("answers the operator SDK's members with a stable hash of the priced parameters", () => {
    const answer = prechargeQuote(request, DEFAULT_PRICE_TABLE);
    expect(answer).toEqual({
      model: 'm',
      original_model: 'm',
      billing_model: 'm',
      sample_count: 1,
      cost: '0.3250',
      currency: 'USD',
      discount: 1,
      hash: pricedParametersHash(request),
      updated_at: DEFAULT_PRICE_TABLE.updatedAt,
    });
    expect(answer.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(pricedParametersHash({ ...request })).toBe(answer.hash);
    for (const change of [
      { duration: 6 },
      { resolution: '1080p' },
      { is_rec: true },
      { off_peak: true },
      { model: 'n' },
    ]) {
      expect(pricedParametersHash({ ...request, ...change } as typeof request)).not.toBe(answer.hash);
    }
  });
});
