/** A daily time window in UTC, as minutes after midnight; `end` before `start` wraps past midnight. */
export interface OffPeakWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

/**
 * `22:00-06:00` (UTC, wrapping midnight) or `01:30-05:00` as a window; empty text is no window. Start and end
 * equal would be either nothing or everything, so it is refused rather than guessed.
 */
export function parseOffPeakWindow(text: string): OffPeakWindow | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const match = WINDOW.exec(trimmed);
  if (!match) {
    throw new RangeError(
      `Expected HH:MM-HH:MM in UTC (e.g. 22:00-06:00) but received ${JSON.stringify(text)}`,
    );
  }
  const startMinute = Number(match[1]) * 60 + Number(match[2]);
  const endMinute = Number(match[3]) * 60 + Number(match[4]);
  if (endMinute > 24 * 60) throw new RangeError(`${trimmed} ends after 24:00`);
  if (startMinute === endMinute % (24 * 60)) {
    throw new RangeError(`${trimmed} starts where it ends; give a window of some length`);
  }
  return { startMinute, endMinute };
}

/** Whether `now` falls in the window (start inclusive, end exclusive). */
export function inOffPeakWindow(window: OffPeakWindow, now: Date): boolean {
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  const { startMinute, endMinute } = window;
  return startMinute < endMinute
    ? minute >= startMinute && minute < endMinute
    : minute >= startMinute || minute < endMinute;
}
