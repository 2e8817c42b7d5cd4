import { describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, skipWithoutChromium } from './chromium.js';
import { ADMIN, screenshot, useWebPageFixture } from './web-page-fixture.js';

// Locally without Chromium: skipped with a warning. In CI (CI=true): run, so a missing Chromium fails.
describe.skipIf(skipWithoutChromium())(
  `keyboard and small screens in Chromium (else: ${CHROMIUM_MISSING})`,
  () => {
    const web = useWebPageFixture();

    it('reaches the main controls by keyboard alone, with the focus visible', async () => {
      const { page } = await web.openPage('/');
      const order: string[] = [];
      for (let i = 0; i < 40 && !order.includes('generate'); i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const element = document.activeElement as HTMLElement;
          return { id: element.id, outline: getComputedStyle(element).outlineStyle };
        });
        if (focused.id) order.push(focused.id);
        if (focused.id) expect(focused.outline, focused.id).not.toBe('none');
      }
      const main = [
        'api-key',
        'start-file',
        'end-file',
        'prompt',
        'duration',
        'resolution',
        'movement',
        'seed',
      ];
      for (const id of [...main, 'is-rec', 'watermark', 'generate']) expect(order).toContain(id);
      expect(main.map((id) => order.indexOf(id))).toEqual(
        [...main.map((id) => order.indexOf(id))].sort((a, b) => a - b),
      );

      // Enter on Generate without a key, then without a frame: each says what is missing and moves the focus there.
      await page.keyboard.press('Enter');
      await expect.poll(() => page.textContent('#form-error')).toContain('Enter an API key first');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
      await page.keyboard.type(web.apiKey);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.textContent('#start-error')).toContain('002014001');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('start-file');
    });

    it('fits a phone-sized screen', async () => {
      const { page } = await web.openPage('/', { width: 375, height: 812 });
      const { baseUrl, frames } = web;
      await web.enterKey(page);
      await page.setInputFiles('#start-file', frames.wide);
      await expect.poll(() => page.textContent('#start-error')).toContain('002014007');
      await expect.poll(() => page.textContent('#quote')).toMatch(/^\$\d/);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, 'playground-phone');

      await page.goto(`${baseUrl}/keys`);
      await page.fill('#admin-token', ADMIN);
      await page.click('#admin-load');
      await expect.poll(() => page.locator('#keys-body tr').count()).toBeGreaterThan(0);
      await page.locator('#keys-body button.usage').first().click();
      await page.waitForSelector('#usage-table:not([hidden])');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, 'keys-phone');
    });
  },
);
