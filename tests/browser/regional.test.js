// A regional office reads its province's reports and statistics, without
// the reporters' and beneficiaries' personal data, and cannot act on cases.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertClean, devToken, elderlyReport, fileReport, useBrowser, openConsole, screenshot, waitForStatus,
} from './lib.js';

const browser = useBrowser();

test("a regional office sees its province's cases without personal data", async () => {
  const operator = await devToken('operator');
  const regional = await devToken('regional', { region: '13' });
  const filed = await fileReport(operator, elderlyReport(`Lansia terlantar, uji-dinas-${Date.now()}`));
  await waitForStatus(operator, filed.id, 'assigned');

  const { page, watch, context } = await openConsole(browser, { token: regional, path: '#/reports' });
  await page.getByRole('heading', { name: 'Laporan', level: 1 }).waitFor();
  assert.match(await page.locator('#whoami').textContent(), /Dinas Sosial daerah · Sumatera Barat/);
  const item = page.locator(`li.report-item[data-id="${filed.id}"]`);
  await item.waitFor();
  await item.getByRole('link', { name: filed.ticket }).click();
  await page.getByRole('heading', { name: `Kasus ${filed.ticket}`, level: 1 }).waitFor();
  await page.getByText('Data pribadi pelapor dan penerima manfaat tidak ditampilkan untuk peran Anda.').waitFor();
  const text = await page.locator('main').textContent();
  assert.doesNotMatch(text, /Siti Aminah|Nenek Rukiah|081234567890/);
  assert.match(text, /78/, 'the beneficiary is listed without a name');
  assert.equal(await page.getByRole('button', { name: 'Konfirmasi kasus' }).count(), 0, 'no status actions');
  assert.equal(await page.getByRole('button', { name: 'Tambah catatan' }).count(), 0, 'no notes');
  await screenshot(page, 'case-regional');

  await page.getByRole('link', { name: 'Statistik' }).click();
  await page.getByRole('heading', { name: 'Statistik', level: 1 }).waitFor();
  assert.equal(await page.getByLabel('Provinsi', { exact: true }).inputValue(), '13');
  await page.locator('figure.chart-figure').first().waitFor();
  assertClean(watch);
  await context.close();
});
