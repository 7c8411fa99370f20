// A supervisor merges a case reported twice: the case page offers the
// merge, asks for confirmation, and then each case points to the other.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertClean, call, devToken, elderlyReport, fileReport, useBrowser, openConsole, screenshot, waitForStatus,
} from './lib.js';

const browser = useBrowser();
let supervisor;
let operator;
before(async () => {
  [supervisor, operator] = await Promise.all([devToken('supervisor'), devToken('operator')]);
});

test('a supervisor merges a duplicate case into the one kept', async () => {
  const marker = `uji-gabung-${Date.now()}`;
  const kept = await fileReport(operator, elderlyReport(`Lansia sendirian, butuh kursi roda, ${marker}`));
  const duplicate = await fileReport(operator, elderlyReport(`Dilaporkan lagi oleh kantor desa, ${marker}`, {
    beneficiaries: [{ name: 'Mbah Rukiah', age: 79, sex: 'F' }], channel: 'email',
  }));
  await waitForStatus(supervisor, kept.id, 'assigned');
  await waitForStatus(supervisor, duplicate.id, 'assigned');

  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: `#/reports/${duplicate.id}` });
  const form = page.locator('form.merge');
  await form.getByRole('heading', { name: 'Gabungkan / Merge' }).waitFor();
  await form.getByLabel('Kasus yang dipertahankan (tiket atau id)').fill(kept.ticket);
  await form.getByLabel('Alasan penggabungan').fill('Lansia yang sama');
  await form.getByRole('button', { name: 'Gabungkan', exact: true }).click();
  await form.getByText(`Gabungkan ${duplicate.ticket} ke ${kept.ticket}?`).waitFor();
  await screenshot(page, 'merge-confirm');
  await form.getByRole('button', { name: 'Ya, gabungkan' }).click();

  // The console goes on to the kept case, which lists the merged ticket.
  await page.waitForURL(`**#/reports/${kept.id}`);
  await page.locator('.merged-from').getByRole('link', { name: duplicate.ticket }).waitFor();
  await page.locator('.timeline').getByText('Laporan lain digabungkan').waitFor();
  await screenshot(page, 'merge-kept');

  await page.locator('.merged-from').getByRole('link', { name: duplicate.ticket }).click();
  await page.waitForURL(`**#/reports/${duplicate.id}`);
  const continued = page.locator('a.continued-as');
  await continued.waitFor();
  assert.equal(await continued.textContent(), kept.ticket);
  assert.equal(await page.locator('form.merge').count(), 0, 'a duplicate is not merged again');

  const { body: report } = await call('GET', `/v1/reports/${kept.id}`, { token: supervisor });
  assert.equal(report.beneficiaries.length, 1, 'Rukiah is listed once');
  assertClean(watch, ['Siti Aminah', '081234567890', 'Rukiah']);
  await context.close();
});
