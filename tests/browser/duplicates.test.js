// An operator takes a call about a person already reported: while the form
// is being filled, the earlier report appears as a possible duplicate, with
// a link to its case, before anything is filed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertClean, devToken, elderlyReport, fileReport, openConsole, screenshot, useBrowser, waitUntil,
} from './lib.js';

const browser = useBrowser();

test('an operator typing the name of a person already reported sees the earlier report', async () => {
  // A surname of random letters keeps this person apart from other tests' people.
  const surname = Array.from({ length: 7 }, () => 'bcdfghjklmnprstvwyz'[Math.floor(Math.random() * 19)]).join('');
  const earlier = await fileReport(await devToken('operator'), elderlyReport('Lansia tinggal sendiri, perlu kursi roda.', {
    beneficiaries: [{ name: `Siti Aminah ${surname}`, age: 80, sex: 'F' }],
  }));

  const { page, watch, context } = await openConsole(browser, { token: await devToken('operator') });
  await page.getByRole('heading', { name: 'Laporan baru', level: 1 }).waitFor();
  const checks = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/v1/reports:check')) checks.push(r.postData());
  });
  await page.getByLabel('Provinsi').selectOption('13');
  await page.locator('#f-regency option[value="13.03"]').waitFor({ state: 'attached' });
  await page.getByLabel('Kabupaten/kota').selectOption('13.03');
  await page.getByLabel('Lintang (opsional)').fill('-0.6902');
  await page.getByLabel('Bujur (opsional)').fill('100.9503');
  await page.getByLabel('Kategori').selectOption('elderly');
  await page.getByRole('button', { name: 'Tambah penerima manfaat' }).click();
  const row = page.getByRole('group', { name: 'Penerima manfaat 1' });
  // Typed key by key, as an operator on the phone does: the check waits
  // for a pause instead of asking at every keystroke.
  await row.getByLabel('Nama').pressSequentially(`Ibu Sitti Aminah ${surname}`, { delay: 20 });

  const panel = page.locator('section.duplicates');
  const suggestion = panel.locator(`li.duplicate[data-id="${earlier.id}"]`);
  await suggestion.waitFor({ timeout: 10000 });
  assert.ok(await panel.getByRole('heading', { name: 'Kemungkinan laporan ganda' }).isVisible());
  const text = await suggestion.textContent();
  assert.match(text, /nama mirip/);
  assert.match(text, /dalam radius 2 km/);
  const link = suggestion.getByRole('link', { name: `Buka ${earlier.ticket}` });
  assert.equal(await link.getAttribute('href'), `#/reports/${earlier.id}`);
  assert.ok(checks.length >= 1 && checks.length < `Ibu Sitti Aminah ${surname}`.length,
    `debounced: ${checks.length} checks for one name`);
  await screenshot(page, 'intake-duplicates');

  await page.getByRole('button', { name: 'English' }).click();
  await waitUntil('the English reasons', async () => /similar name/.test(await suggestion.textContent()));
  assert.ok(await panel.getByRole('heading', { name: 'Possible duplicates' }).isVisible());
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();

  // The link opens the earlier case.
  await link.click();
  await page.getByRole('heading', { name: `Kasus ${earlier.ticket}`, level: 1 }).waitFor();
  assertClean(watch, [surname]);
  await context.close();
});
