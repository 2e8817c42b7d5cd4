export interface ProgressBar {
  update(fraction: number, label: string): void;
  done(): void;
}

const WIDTH = 28;
const REDRAW_MS = 80;

/**
 * A one-line progress bar redrawn in place on a terminal. Off a terminal (CI logs, pipes) it stays silent, so
 * logs are not filled with carriage returns.
 */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY ? stream : null;
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(fraction, label) {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < REDRAW_MS && fraction < 1) return;
      lastDraw = now;
      const clamped = Math.max(0, Math.min(1, fraction));
      const filled = Math.round(clamped * WIDTH);
      const elapsed = (now - started) / 1000;
      const eta = clamped > 0.02 ? ` eta ${Math.max(0, elapsed / clamped - elapsed).toFixed(1)}s` : '';
      const line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}% ${label}${eta}`;
      tty.cursorTo(0);
      tty.write(line.slice(0, Math.max(20, (tty.columns || 80) - 1)));
      tty.clearLine(1);
      drawn = true;
    },
    done() {
      if (tty && drawn) {
        tty.cursorTo(0);
        tty.clearLine(0);
      }
    },
  };
}
