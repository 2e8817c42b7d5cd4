import { describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, skipWithoutChromium } from './chromium.js';
import { ADMIN, screenshot, useWebPageFixture } from './web-page-fixture.js';

// Locally without Chromium: skipped with a warning. In CI (CI=true): run, so a missing Chromium fails.
describe.skipIf(skipWithoutChromium())(`the keys page in Chromium (else: ${CHROMIUM_MISSING})`, () => {
  const web = useWebPageFixture();

  it('creates, tops up, shows the usage of and revokes a key on /keys', async () => {
    const { page, errors } = await web.openPage('/keys');
    const { baseUrl } = web;
    await page.fill('#admin-token', ADMIN);
    await page.click('#admin-load');
    await expect.poll(() => page.locator('#keys-body tr').count()).toBeGreaterThan(0);

    await page.fill('#key-name', 'from the browser');
    await page.fill('#key-balance', '1.50');
    await page.click('#create-key');
    await page.waitForSelector('#created:not([hidden])');
    const secret = (await page.textContent('#new-key')) ?? '';
    expect(secret).toMatch(/^ib_/);
    const webhookSecret = (await page.textContent('#new-webhook')) ?? '';
    expect(webhookSecret).toMatch(/^whsec_/);
    await screenshot(page, 'keys-created');

    const row = page.locator('#keys-body tr', { hasText: 'from the browser' });
    await expect.poll(() => row.textContent()).toContain('$1.5000');
    const tasks = await fetch(`${baseUrl}/model/v1/generation/tasks`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(tasks.status).toBe(200);

    // A new webhook secret, shown once with the time the old one stops signing.
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /^Rotate the webhook secret of key from the browser/ }).click();
    await page.waitForSelector('#rotated:not([hidden])');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rotated');
    expect(await page.textContent('#rotated-name')).toBe('from the browser');
    const rotatedSecret = (await page.textContent('#rotated-webhook')) ?? '';
    expect(rotatedSecret).toMatch(/^whsec_/);
    expect(rotatedSecret).not.toBe(webhookSecret);
    expect(await page.textContent('#rotated-until')).toMatch(/old secret keeps signing .* until \S/);
    await screenshot(page, 'keys-rotated');
    await page.click('#rotated-done');
    expect(await page.isHidden('#rotated')).toBe(true);
    expect(await page.textContent('#rotated-webhook')).toBe('');

    await row.getByLabel('Top up from the browser by (USD)').fill('2');
    await row.getByRole('button', { name: 'Top up' }).click();
    await expect.poll(() => row.textContent()).toContain('$3.5000');

    // Usage: the account and the ledger, newest first, 20 entries a page. 19 more top-ups make 21 entries.
    const keyId = (await row.getAttribute('data-key-id')) ?? '';
    for (let i = 0; i < 19; i++) {
      const topUp = await fetch(`${baseUrl}/admin/v1/keys/${keyId}/top-up`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '0.10' }),
      });
      expect(topUp.status).toBe(200);
    }
    const usageButton = row.getByRole('button', { name: /^Usage of key from the browser/ });
    await usageButton.click();
    await page.waitForSelector('#usage:not([hidden]) #usage-table:not([hidden])');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('usage');
    expect(await page.textContent('#usage-name')).toBe('from the browser');
    expect(await page.textContent('#usage-table caption')).toContain('Ledger');
    const facts = (await page.textContent('#usage-facts')) ?? '';
    expect(facts).toContain('Balance$5.4000');
    expect(facts).toContain('Topped up$5.4000');
    const entries = page.locator('#usage-body tr');
    expect(await entries.count()).toBe(20);
    expect(await entries.first().textContent()).toContain('Top-up+$0.1000');
    expect(await page.isVisible('#usage-more')).toBe(true);
    await page.click('#usage-more');
    await expect.poll(() => entries.count()).toBe(21);
    expect(await page.isHidden('#usage-more')).toBe(true);
    const kinds = await entries.evaluateAll((rows) => rows.map((tr) => (tr as HTMLElement).dataset.kind));
    expect(new Set(kinds)).toEqual(new Set(['top_up']));
    expect(await entries.last().textContent()).toContain('Top-up+$1.5000');
    await screenshot(page, 'keys-usage');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#usage')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^Usage of key from the browser/,
    );
    await usageButton.click();
    await page.waitForSelector('#usage:not([hidden])');
    await page.click('#usage-close');
    expect(await page.isHidden('#usage')).toBe(true);

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /^Revoke key from the browser/ }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    await screenshot(page, 'keys-revoked');
    const refused = await fetch(`${baseUrl}/model/v1/generation/tasks`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(401);

    await page.click('#created-done');
    expect(await page.textContent('#new-key')).toBe('');
    expect(errors).toEqual([]);
  });
});
