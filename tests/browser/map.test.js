// The statistics page's choropleth of the regencies, the export buttons of
// the reports list, and attachments on the case page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertClean, BASE, call, devToken, elderlyReport, fileReport, openConsole, screenshot, useBrowser, waitForStatus,
} from './lib.js';

const browser = useBrowser();

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

test('the statistics map colours regencies with cases, zooms to a province and lists the figures', async () => {
  const operator = await devToken('operator');
  const supervisor = await devToken('supervisor');
  const filed = await fileReport(operator, elderlyReport(`Lansia perlu alat bantu, uji-peta-${Date.now()}`));
  await waitForStatus(operator, filed.id, 'assigned');

  const { body: stats } = await call('GET', '/v1/stats', { token: supervisor });
  const sijunjung = stats.by_regency.find((g) => g.key === '13.03');
  assert.ok(sijunjung.open >= 1, 'the regency has open cases');
  assert.ok('compliance' in sijunjung.sla, 'the regency has its SLA compliance');
  const outlines = await (await fetch(`${BASE}/console/regencies.json`)).json();
  const withCases = new Set(stats.by_regency.map((g) => g.key));
  const empty = outlines.regencies.find((r) => !withCases.has(r.code));
  assert.ok(empty, 'some regency has no reports');

  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/stats' });
  const map = page.locator('svg.choropleth[data-state="painted"]');
  await map.waitFor({ timeout: 15000 });
  assert.equal(await map.getAttribute('role'), 'img');
  assert.equal(await map.locator('path.regency').count(), outlines.regencies.length);
  assert.match(await map.locator('path[data-code="13.03"]').getAttribute('class'), /\bchoro choro-\d\b/);
  assert.match(await map.locator(`path[data-code="${empty.code}"]`).getAttribute('class'), /\bnodata\b/);
  assert.ok(await page.locator('.map-card .map-legend .swatch.nodata').count() === 1, 'the legend has a no-data class');

  // People served is another measure, from the regency's case work.
  await page.getByLabel('Ukuran').selectOption('served');
  await page.locator('svg.choropleth[data-measure="served"]').waitFor();
  assert.match(await map.locator(`path[data-code="${empty.code}"]`).getAttribute('class'), /\bnodata\b/);
  assert.ok('people_served' in sijunjung, 'the regency has its people served');
  await page.locator('.map-card summary', { hasText: 'Tabel data' }).click();
  assert.match(await page.locator('.map-card table thead').textContent(), /Orang terlayani/);
  assert.match(await page.locator('.map-card table tr[data-code="13.03"]').textContent(),
    new RegExp(`Kabupaten Sijunjung${sijunjung.people_served}`));
  await page.locator('.map-card summary', { hasText: 'Tabel data' }).click();

  // SLA compliance is another measure; a regency without reports stays neutral.
  await page.getByLabel('Ukuran').selectOption('sla');
  await page.locator('svg.choropleth[data-measure="sla"]').waitFor();
  assert.match(await map.locator(`path[data-code="${empty.code}"]`).getAttribute('class'), /\bnodata\b/);
  await page.getByLabel('Ukuran').selectOption('open');

  const whole = await map.getAttribute('viewBox');
  await page.getByLabel('Perbesar ke provinsi').selectOption('13');
  await page.locator('svg.choropleth[data-province="13"]').waitFor();
  const zoomed = await map.getAttribute('viewBox');
  assert.notEqual(zoomed, whole);
  const [, , width] = zoomed.split(' ').map(Number);
  const [, , wholeWidth] = whole.split(' ').map(Number);
  assert.ok(width < wholeWidth / 4, `the view fits West Sumatra (${zoomed} of ${whole})`);

  // Clicking a regency of another province zooms there.
  await page.getByLabel('Perbesar ke provinsi').selectOption('');
  await page.locator('svg.choropleth:not([data-province])').waitFor();
  await map.locator('path[data-code="13.03"]').dispatchEvent('click');
  await page.locator('svg.choropleth[data-province="13"]').waitFor();

  await page.locator('.map-card summary', { hasText: 'Tabel data' }).click();
  const row = page.locator('.map-card table tr[data-code="13.03"]');
  assert.ok(await row.isVisible());
  assert.match(await row.textContent(), /13\.03.*Kabupaten Sijunjung/);
  await page.locator('.map-card').screenshot({ path: `${process.env.SCREENSHOTS ?? 'screenshots'}/stats-map.png` });
  await screenshot(page, 'stats-map-page');
  assertClean(watch);
  await context.close();
});

test('an export from the reports list becomes downloadable', async () => {
  const operator = await devToken('operator');
  await fileReport(operator, elderlyReport(`Lansia perlu alat bantu, uji-ekspor-${Date.now()}`));
  const { page, watch, context } = await openConsole(browser, { token: operator, path: '#/reports' });
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Ekspor CSV' }).click();
  const link = page.locator('button.export-download');
  await link.waitFor({ timeout: 30000 });
  assert.match(await link.textContent(), /^Unduh .+\.csv$/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const path = await download.path();
  const { readFile } = await import('node:fs/promises');
  const text = (await readFile(path)).toString('utf8');
  assert.match(text, /Nomor tiket/);
  assertClean(watch);
  await context.close();
});

test('the statistics page exports its figures as XLSX', async () => {
  const supervisor = await devToken('supervisor');
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/stats' });
  await page.locator('svg.choropleth[data-state="painted"]').waitFor({ timeout: 15000 });
  await page.getByRole('button', { name: 'Ekspor XLSX' }).click();
  const link = page.locator('button.export-download');
  await link.waitFor({ timeout: 30000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  assertClean(watch);
  await context.close();
});

test('an attachment uploaded on the case page appears in its list', async () => {
  const operator = await devToken('operator');
  const filed = await fileReport(operator, elderlyReport(`Lansia perlu alat bantu, uji-lampiran-${Date.now()}`));
  const { page, watch, context } = await openConsole(browser, { token: operator, path: `#/reports/${filed.id}` });
  await page.getByRole('heading', { name: 'Lampiran' }).waitFor();
  await page.locator('.attachments .muted', { hasText: 'Belum ada lampiran.' }).waitFor();

  // Too large is refused before anything is sent.
  await page.getByLabel('Tambah lampiran').setInputFiles({ name: 'besar.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
  await page.getByRole('button', { name: 'Unggah' }).click();
  await page.getByText(/Berkas terlalu besar/).waitFor();

  // A file that is not what its name says is refused by the API, with its detail.
  await page.getByLabel('Tambah lampiran').setInputFiles({ name: 'foto.png', mimeType: 'image/png', buffer: Buffer.from('MZ not a picture') });
  await page.getByRole('button', { name: 'Unggah' }).click();
  await page.locator('.attachments .notice').waitFor();

  await page.getByLabel('Tambah lampiran').setInputFiles({ name: 'foto-rumah.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('button', { name: 'Unggah' }).click();
  const item = page.locator('.attachments-list li', { hasText: 'foto-rumah.png' });
  await item.waitFor();
  assert.match(await item.textContent(), /PNG/);
  const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('button', { name: 'Unduh foto-rumah.png' }).click()]);
  assert.equal(download.suggestedFilename(), 'foto-rumah.png');
  await screenshot(page, 'case-attachments');
  assertClean(watch);
  await context.close();
});
