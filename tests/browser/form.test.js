// The API's field errors land next to the fields they name, in the
// operator's language, and are tied to them for assistive technology.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, devToken, useBrowser, openConsole, screenshot } from './lib.js';

const browser = useBrowser();

/** The error shown for a control: right after it, and describing it. */
async function errorOf(page, id) {
  return page.evaluate((controlId) => {
    const control = document.getElementById(controlId);
    const error = document.getElementById(`${controlId}-error`);
    return {
      invalid: control.getAttribute('aria-invalid'),
      describedBy: (control.getAttribute('aria-describedby') ?? '').split(' '),
      next: control.nextElementSibling?.id ?? null,
      text: error?.textContent ?? null,
    };
  }, id);
}

test('field errors from the API appear next to their fields', async () => {
  const token = await devToken('operator');
  const { page, watch, context } = await openConsole(browser, { token, path: '#/intake' });
  await page.getByRole('heading', { name: 'Laporan baru', level: 1 }).waitFor();
  await page.getByLabel('Provinsi').selectOption('13');
  await page.getByLabel('Telepon pelapor').fill('12345');
  await page.getByRole('button', { name: 'Tambah penerima manfaat' }).click();
  await page.getByRole('group', { name: 'Penerima manfaat 1' }).getByLabel('Usia').fill('200');
  await page.getByLabel('Uraian').fill('pendek');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();

  const summary = page.locator('.error-summary');
  await summary.waitFor();
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the summary takes the focus');
  const expected = {
    'f-category': 'wajib diisi',
    'f-need': 'wajib diisi',
    'f-urgency': 'wajib diisi',
    'f-reporter-phone': 'harus nomor Indonesia yang diawali +62 atau 0',
    'f-b1-age': 'harus antara 0 dan 130',
    'f-description': 'harus 10 sampai 5.000 karakter',
  };
  for (const [id, text] of Object.entries(expected)) {
    const error = await errorOf(page, id);
    assert.equal(error.invalid, 'true', `${id} is marked invalid`);
    assert.ok(error.describedBy.includes(`${id}-error`), `${id} is described by its error`);
    assert.equal(error.next, `${id}-error`, `${id}'s error follows it`);
    assert.equal(error.text, text, `${id}'s error`);
  }
  assert.equal((await errorOf(page, 'f-reporter-phone')).describedBy[0], 'f-reporter-phone-hint', 'the hint still describes the field');
  assert.equal(await page.locator('[aria-invalid="true"]').count(), Object.keys(expected).length);
  assert.equal(await summary.locator('li').count(), Object.keys(expected).length);
  await screenshot(page, 'form-errors');

  // The summary's links lead to their fields.
  await summary.getByRole('link', { name: /Telepon pelapor/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-reporter-phone');
  await summary.getByRole('link', { name: /Penerima manfaat 1 — Usia/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-b1-age');

  // In English, the API's own messages.
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal((await errorOf(page, 'f-b1-age')).text, 'must be between 0 and 130');
  assert.ok(await page.getByText('The report could not be filed yet').isVisible());
  assert.ok(await page.getByLabel('Reporter phone').isVisible());
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  assert.equal((await errorOf(page, 'f-b1-age')).text, 'harus antara 0 dan 130');

  // Corrected, the report is filed and the errors go away.
  await page.getByLabel('Kategori').selectOption('disability');
  await page.getByLabel('Kebutuhan').selectOption('assistive_device');
  await page.getByLabel('Urgensi').selectOption('normal');
  await page.getByLabel('Telepon pelapor').fill('0812 9876 5432');
  await page.getByRole('group', { name: 'Penerima manfaat 1' }).getByLabel('Usia').fill('34');
  await page.getByLabel('Uraian').fill('Penyandang disabilitas membutuhkan kursi roda baru.');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.locator('section.filed').waitFor();
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 0);
  assert.equal(await page.locator('.field-error').count(), 0);
  assert.equal(await summary.count(), 0);
  assertClean(watch, ['0812 9876 5432', '+6281298765432']);
  await context.close();
});
