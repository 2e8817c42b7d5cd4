import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Playwright never downloads a browser here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why the browser tests are skipped, for the warning and the `describe.skipIf(...)` name. */
export const CHROMIUM_MISSING = `${CHROMIUM_PATH} not found (apt-get install chromium); browser tests skipped`;

/**
 * Whether the browser tests should be skipped: only locally, where Chromium may be missing. In CI (CI=true)
 * .ci/run installs it and the tests must run, so a missing Chromium fails them instead of skipping.
 */
export function skipWithoutChromium(): boolean {
  const skip = !existsSync(CHROMIUM_PATH) && !process.env.CI;
  if (skip) console.warn(CHROMIUM_MISSING);
  return skip;
}

/** A headless Chromium that reaches nothing on its own (no updates, sync or background fetches). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
