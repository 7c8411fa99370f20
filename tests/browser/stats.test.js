// The statistics page draws its own SVG charts from GET /v1/stats.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertClean, call, devToken, elderlyReport, fileReport, useBrowser, openConsole, screenshot, waitForStatus,
} from './lib.js';

const browser = useBrowser();

test('the statistics page draws its charts as SVG', async () => {
  const operator = await devToken('operator');
  const supervisor = await devToken('supervisor');
  const staff = await devToken('upt_staff', { unit: 'SENTRA-MULYA-JAYA' });
  const filed = await fileReport(operator, elderlyReport(`Lansia perlu alat bantu, uji-statistik-${Date.now()}`));
  const assigned = await waitForStatus(operator, filed.id, 'assigned');
  const ack = await call('POST', `/v1/reports/${filed.id}/status`, {
    token: staff, body: { status: 'acknowledged' }, headers: { 'If-Match': `"${assigned.version}"` },
  });
  assert.equal(ack.status, 200);

  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/stats' });
  await page.getByRole('heading', { name: 'Statistik', level: 1 }).waitFor();
  const charts = page.locator('figure.chart-figure');
  await charts.nth(4).waitFor({ timeout: 15000 });
  assert.equal(await charts.count(), 5);

  const titles = await page.locator('figure.chart-figure figcaption').allTextContents();
  assert.deepEqual(titles, ['Laporan per provinsi', 'Laporan per kategori', 'Waktu penanganan', 'Kepatuhan SLA per unit', 'Laporan per hari']);
  for (const svg of await page.locator('svg.chart').all()) {
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.ok((await svg.locator(':scope > title').textContent()).length > 0);
  }

  const province = charts.nth(0);
  assert.match(await province.locator('svg').textContent(), /Sumatera Barat/);
  const category = charts.nth(1);
  assert.match(await category.locator('svg').textContent(), /Lanjut usia/);
  const times = charts.nth(2);
  assert.match(await times.locator('svg').textContent(), /Median/);
  assert.match(await times.locator('svg').textContent(), /Sampai dikonfirmasi unit/);
  const sla = charts.nth(3);
  assert.ok(await sla.locator('rect.bar').count() >= 1);
  const widths = await page.locator('svg.chart rect.bar').evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('width'))));
  assert.ok(widths.some((w) => w > 2), 'bars are drawn to scale');

  const { body: stats } = await call('GET', '/v1/stats', { token: supervisor });
  const total = await page.locator('.tile').first().locator('.tile-value').textContent();
  assert.equal(total.replace(/\D/g, ''), String(stats.total));
  await screenshot(page, 'stats');

  // A region narrows the statistics to its regencies.
  await page.getByLabel('Provinsi', { exact: true }).selectOption('13');
  await page.getByRole('button', { name: 'Tampilkan' }).click();
  await page.locator('figure.chart-figure figcaption', { hasText: 'Laporan per kabupaten/kota' }).waitFor();
  assert.match(await charts.nth(0).locator('svg').textContent(), /Kabupaten Sijunjung/);

  // The numbers are also a table, and the charts follow the language.
  await page.getByRole('button', { name: 'English' }).click();
  await page.locator('figure.chart-figure figcaption', { hasText: 'Reports by category' }).waitFor();
  assert.match(await charts.nth(1).locator('svg').textContent(), /Elderly person/);
  await charts.nth(1).getByText('Data table').click();
  assert.ok(await charts.nth(1).locator('table').isVisible());
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  assertClean(watch);
  await context.close();
});
