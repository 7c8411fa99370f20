// The console on a phone (390×844): no page scrolls sideways, whatever is on
// it; and the whole of it works from the keyboard.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertClean, devToken, elderlyReport, fileReport, useBrowser, openConsole, PHONE, screenshot, scrollsSideways, UNIT, waitForStatus,
} from './lib.js';

const browser = useBrowser();

test('the report form fits a 390×844 phone without scrolling sideways', async () => {
  const token = await devToken('operator');
  const { page, watch, context } = await openConsole(browser, { token, viewport: PHONE, path: '#/intake' });
  await page.getByRole('heading', { name: 'Laporan baru', level: 1 }).waitFor();
  assert.equal(await scrollsSideways(page), false, 'empty form');
  await page.getByLabel('Provinsi').selectOption('13');
  await page.locator('#f-regency option[value="13.03"]').waitFor({ state: 'attached' });
  await page.getByLabel('Kabupaten/kota').selectOption('13.03');
  await page.getByRole('button', { name: 'Tambah penerima manfaat' }).click();
  await page.getByRole('button', { name: 'Tambah penerima manfaat' }).click();
  await page.getByLabel('Telepon pelapor').fill('12345');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.locator('.error-summary').waitFor();
  assert.equal(await scrollsSideways(page), false, 'form with beneficiaries and errors');
  const box = await page.getByRole('button', { name: 'Kirim laporan' }).boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the submit button is on screen');
  await screenshot(page, 'phone-intake');
  await page.locator('.live-card').scrollIntoViewIfNeeded();
  assert.equal(await scrollsSideways(page), false, 'live list');
  assertClean(watch);
  await context.close();
});

test('the queue, a case and the statistics fit a phone too', async () => {
  const operator = await devToken('operator');
  const staff = await devToken('upt_staff', { unit: UNIT });
  const filed = await fileReport(operator, elderlyReport(`Lansia di rumah sendiri, uji-ponsel-${Date.now()}`));
  await waitForStatus(operator, filed.id, 'assigned');

  const { page, watch, context } = await openConsole(browser, { token: staff, viewport: PHONE, path: '#/cases' });
  const card = page.locator(`li.case-card[data-id="${filed.id}"]`);
  await card.waitFor();
  await card.getByText('Catatan dan pengalihan').click();
  assert.equal(await scrollsSideways(page), false, 'queue');
  await screenshot(page, 'phone-cases');

  await card.getByRole('link', { name: filed.ticket }).click();
  await page.getByRole('heading', { name: `Kasus ${filed.ticket}`, level: 1 }).waitFor();
  await page.locator('tr.winner').waitFor();
  assert.equal(await scrollsSideways(page), false, 'case page');
  await screenshot(page, 'phone-case');
  assertClean(watch);
  await context.close();

  const supervisor = await devToken('supervisor');
  const stats = await openConsole(browser, { token: supervisor, viewport: PHONE, path: '#/stats' });
  await stats.page.locator('figure.chart-figure').nth(4).waitFor({ timeout: 15000 });
  assert.equal(await scrollsSideways(stats.page), false, 'statistics');
  const svgWidth = await stats.page.locator('svg.chart').first().evaluate((svg) => svg.getBoundingClientRect().width);
  assert.ok(svgWidth <= PHONE.width, 'charts are drawn for the phone');
  await screenshot(stats.page, 'phone-stats');
  assertClean(stats.watch);
  await stats.context.close();
});

test('the console works from the keyboard, with a visible focus', async () => {
  const token = await devToken('operator');
  const { page, watch, context } = await openConsole(browser, { token, path: '#/intake' });
  await page.getByRole('heading', { name: 'Laporan baru', level: 1 }).waitFor();

  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Lewati ke konten utama');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-province');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused field shows it');

  // Choose a province and a category with the keyboard only, then reach the
  // navigation and follow a link.
  await page.keyboard.press('ArrowDown');
  assert.notEqual(await page.getByLabel('Provinsi').inputValue(), '');
  await page.getByRole('link', { name: 'Laporan', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Laporan', level: 1 }).waitFor();
  // The focus moves once the view has loaded its data, which may come after its heading.
  await page.waitForFunction(() => !document.getElementById('main').hasAttribute('aria-busy'));
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'a new view moves the focus to its heading');
  assert.equal(await page.getByRole('link', { name: 'Laporan', exact: true }).getAttribute('aria-current'), 'page');
  for (const landmark of ['banner', 'navigation', 'main', 'contentinfo']) {
    assert.equal(await page.getByRole(landmark).count(), 1, `one ${landmark} landmark`);
  }
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.labels?.length).map((el) => el.id));
  assert.deepEqual(unlabelled, [], 'every field has a label');
  assertClean(watch);
  await context.close();
});
