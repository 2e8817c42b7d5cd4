import { describe, expect, it } from 'vitest';
import { inOffPeakWindow, parseOffPeakWindow } from './off-peak-window.js';

function utc(time: string): Date {
  return new Date(`2026-11-25T${time}:00.000Z`);
}

describe('off-peak window', () => {
  it('reads HH:MM-HH:MM in UTC, empty as none', () => {
    expect(parseOffPeakWindow('')).toBeNull();
    expect(parseOffPeakWindow(' 01:30-05:00 ')).toEqual({ startMinute: 90, endMinute: 300 });
    expect(parseOffPeakWindow('22:00-24:00')).toEqual({ startMinute: 1320, endMinute: 1440 });
  });

  it('refuses what it cannot read, naming the expected form', () => {
    for (const bad of ['22-06', '25:00-01:00', '10:00-10:00', '00:00-24:00', '1:00-2:00', 'night']) {
      expect(() => parseOffPeakWindow(bad), bad).toThrow(RangeError);
    }
    expect(() => parseOffPeakWindow('night')).toThrow(/HH:MM-HH:MM/);
  });

  it('includes the start, excludes the end, and wraps past midnight', () => {
    const day = parseOffPeakWindow('01:30-05:00');
    const night = parseOffPeakWindow('22:00-06:00');
    if (!day || !night) throw new Error('expected windows');
    expect(
      [utc('01:29'), utc('01:30'), utc('04:59'), utc('05:00')].map((t) => inOffPeakWindow(day, t)),
    ).toEqual([false, true, true, false]);
    expect(
      [utc('21:59'), utc('22:00'), utc('23:59'), utc('00:00'), utc('05:59'), utc('06:00'), utc('12:00')].map(
        (t) => inOffPeakWindow(night, t),
      ),
    ).toEqual([false, true, true, true, true, false, false]);
  });
});
