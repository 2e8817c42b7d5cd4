import { describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, skipWithoutChromium } from './chromium.js';
import { screenshot, useWebPageFixture } from './web-page-fixture.js';

const DELIVERED = ['pending delivered 1', 'processing delivered 1', 'completed delivered 1'];

/** Each callback row as "event state attempts", read in the page. */
function rowStates(rows: Element[]): string[] {
  return rows.map((row) => {
    const cells = [...row.children].map((cell) => cell.textContent ?? '');
    return `${cells[0]} ${cells[1]} ${cells[2]}`;
  });
}

// Locally without Chromium: skipped with a warning. In CI (CI=true): run, so a missing Chromium fails.
describe.skipIf(skipWithoutChromium())(
  `the playground renders in Chromium (else: ${CHROMIUM_MISSING})`,
  () => {
    const web = useWebPageFixture();

    it('generates a 1 s 540p video from two frames, plays it and shows its callbacks', async () => {
      const { frames, hookUrl, apiKey } = web;
      const { page, errors } = await web.openPage('/');
      await web.enterKey(page);
      await expect.poll(() => page.textContent('#account')).toBe('Balance $10.0000 · spent $0.0000');
      await page.setInputFiles('#start-file', frames.start);
      await page.setInputFiles('#end-file', frames.end);
      await expect.poll(() => page.textContent('#start-info')).toContain('png, 64x36');
      await expect.poll(() => page.textContent('#end-info')).toContain('png, 64x36');
      await page.fill('#prompt', 'slow push in');
      expect(await page.textContent('#prompt-count')).toBe('12 / 2000');
      await page.selectOption('#duration', '1');
      await page.selectOption('#resolution', '540p');
      // 540p: $0.04 + $0.025 x 1 s, quoted by the server.
      await expect.poll(() => page.textContent('#quote')).toBe('$0.0650');
      await page.click('summary');
      await page.fill('#callback-url', hookUrl);
      await screenshot(page, 'playground-before');

      await page.click('#generate');
      await page.waitForSelector('#task[data-status="completed"]', { timeout: 60_000 });
      // The playground says which backend rendered the task.
      expect(await page.textContent('#task-status')).toMatch(/· local$/);
      const playing = await page.waitForFunction(
        () => {
          const video = document.querySelector('video');
          return video && video.readyState >= 2 && video.currentTime > 0 && !video.paused
            ? { duration: video.duration, width: video.videoWidth, height: video.videoHeight }
            : null;
        },
        undefined,
        { timeout: 20_000 },
      );
      const video = (await playing.jsonValue()) as { duration: number; width: number; height: number };
      expect(video.duration).toBeGreaterThan(0.9);
      expect(video.duration).toBeLessThan(1.2);
      expect(video.width / video.height).toBeCloseTo(16 / 9, 1);
      expect(await page.textContent('#task-cost')).toBe('$0.0650');
      // Completion charged the hold; the line reloads when the task ends.
      await expect.poll(() => page.textContent('#account')).toBe('Balance $9.9350 · spent $0.0650');
      expect(await page.textContent('#task-seed')).toMatch(/^\d+$/);
      expect(await page.getAttribute('#task-download', 'href')).toMatch(/^\/files\/.+signature=/);
      await page.waitForFunction(
        () => (document.querySelector('#task-cover') as HTMLImageElement).naturalWidth > 0,
      );
      const id = await page.textContent('#task-id');
      expect(await page.getAttribute(`#recent-list li[data-task-id="${id}"]`, 'data-status')).toBe(
        'completed',
      );
      // The task's created_at is integer Unix seconds: the list shows today's date, not one in January 1970.
      const when = await page.textContent(`#recent-list li[data-task-id="${id}"] .task-line.hint`);
      const shown = await page.evaluate(() => new Date().toLocaleDateString());
      expect(when).toContain(shown);
      expect(when).not.toContain('1970');
      await screenshot(page, 'playground-after');

      // One callback per status change, each delivered on its first attempt; the log follows the final one.
      const callbacks = page.locator('#callbacks-body tr');
      await expect.poll(() => callbacks.evaluateAll(rowStates), { timeout: 10_000 }).toEqual(DELIVERED);
      expect(await page.textContent('#callbacks-url')).toBe(hookUrl);
      expect(await callbacks.first().textContent()).toContain('HTTP 204');
      const hooks = web.hooks();
      expect(hooks.map((hook) => hook.status)).toEqual(['pending', 'processing', 'completed']);
      expect(new Set(hooks.map((hook) => hook.id)).size).toBe(3);
      await page.locator('#task-callbacks').scrollIntoViewIfNeeded();
      await screenshot(page, 'playground-callbacks');

      // The key is remembered, and the task reopens from the list after a reload.
      await page.reload();
      await page.waitForSelector('html[data-ready="true"]');
      expect(await page.inputValue('#api-key')).toBe(apiKey);
      await expect.poll(() => page.textContent('#account')).toBe('Balance $9.9350 · spent $0.0650');
      await page.click(`button[aria-label="Open task ${id}"]`);
      await page.waitForSelector('#task[data-status="completed"] #task-result:not([hidden])');
      // A reopened task's log is asked for once: the task object does not say it has a callback URL.
      await expect.poll(() => callbacks.evaluateAll(rowStates)).toEqual(DELIVERED);
      await page.click('#callbacks-refresh');
      await expect.poll(() => callbacks.evaluateAll(rowStates)).toEqual(DELIVERED);
      expect(errors).toEqual([]);
    });
  },
);
