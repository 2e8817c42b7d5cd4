import { describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, skipWithoutChromium } from './chromium.js';
import { screenshot, useWebPageFixture } from './web-page-fixture.js';

// Locally without Chromium: skipped with a warning. In CI (CI=true): run, so a missing Chromium fails.
describe.skipIf(skipWithoutChromium())(
  `the playground's checks in Chromium (else: ${CHROMIUM_MISSING})`,
  () => {
    const web = useWebPageFixture();

    it('refuses a 5:1 frame and a mismatched end frame before sending anything', async () => {
      const { frames } = web;
      const { page, errors, requests } = await web.openPage('/');
      // An unknown key: the account line says what the API says.
      await page.fill('#api-key', 'ib_not_a_key');
      await page.press('#api-key', 'Tab');
      await expect.poll(() => page.textContent('#account')).toMatch(/^unauthorized: /);
      expect(await page.getAttribute('#account', 'class')).toContain('error');
      await web.enterKey(page);
      await expect.poll(() => page.textContent('#account')).toMatch(/^Balance \$/);
      await page.setInputFiles('#start-file', frames.wide);
      await expect.poll(() => page.textContent('#start-error')).toContain('002014007');
      expect(await page.textContent('#start-error')).toContain('5.00 (100x20)');
      expect(await page.getAttribute('#start-file', 'aria-invalid')).toBe('true');
      await page.click('#generate');
      await expect.poll(() => page.textContent('#form-error')).toContain('Not sent: 002014007');
      await screenshot(page, 'validation-error');

      // A 1:1 end frame against a 16:9 start frame: the pair rule, shown on the end frame.
      await page.setInputFiles('#start-file', frames.start);
      await page.setInputFiles('#end-file', frames.square);
      await expect.poll(() => page.textContent('#end-error')).toContain('002014008');
      expect(await page.isHidden('#start-error')).toBe(true);
      await page.click('#generate');
      await expect.poll(() => page.textContent('#form-error')).toContain('Not sent: 002014008');

      // Nothing was created and no frame left the page (quotes carry a placeholder image, not the frames).
      expect(requests.filter((request) => request.path === '/model/v1/generation')).toEqual([]);
      expect(
        requests.some((request) => request.body.includes('image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAGQ')),
      ).toBe(false);

      // What only the server can judge comes back with its code and message.
      await page.setInputFiles('#end-file', []);
      await page.click('summary');
      await page.fill('#callback-url', 'ftp://example.com/hook');
      await page.click('#generate');
      await expect.poll(() => page.textContent('#form-error')).toMatch(/^002014010: .*callback_url/);
      expect(errors.filter((error) => !/\b40[01]\b/.test(error))).toEqual([]);
    });
  },
);
