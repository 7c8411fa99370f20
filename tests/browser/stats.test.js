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
  // Case work: the person assessed, a wheelchair planned and handed over.
  const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  const { body: people } = await call('GET', `/v1/reports/${filed.id}/beneficiaries`, { token: staff });
  const person = people.items[0].id;
  const assessed = await call('POST', `/v1/beneficiaries/${person}/assessments`, {
    token: staff,
    body: {
      assessed_on: today, method: 'home_visit', eligible: true, findings: 'Tidak dapat berjalan.', recommendations: [],
      functioning: { seeing: 'no_difficulty', hearing: 'no_difficulty', walking: 'cannot_do_at_all', remembering: 'no_difficulty', self_care: 'some_difficulty', communicating: 'no_difficulty' },
    },
  });
  assert.equal(assessed.status, 201, JSON.stringify(assessed.body));
  const planned = await call('POST', `/v1/beneficiaries/${person}/services`, {
    token: staff, body: { component: 'accessibility_support', modality: 'family_based', item: 'wheelchair', quantity: 1, due_on: today },
  });
  assert.equal(planned.status, 201, JSON.stringify(planned.body));
  const delivered = await call('POST', `/v1/services/${planned.body.id}/deliver`, {
    token: staff, body: { delivered_on: today, quantity: 1, handover_ref: 'BAST/UJI/0001', received_by: 'Nenek Rukiah' },
  });
  assert.equal(delivered.status, 200, JSON.stringify(delivered.body));

  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/stats' });
  await page.getByRole('heading', { name: 'Statistik', level: 1 }).waitFor();
  const charts = page.locator('figure.chart-figure');
  await charts.nth(11).waitFor({ timeout: 15000 });
  assert.equal(await charts.count(), 12);

  const titles = await page.locator('figure.chart-figure figcaption').allTextContents();
  assert.deepEqual(titles, ['Laporan per provinsi', 'Laporan per kategori', 'Waktu penanganan', 'Kepatuhan SLA per unit', 'Laporan per hari',
    'Orang menurut jenis kelamin', 'Orang menurut kelompok umur', 'Orang menurut ragam disabilitas',
    'Orang dengan kesulitan fungsional (Washington Group)', 'Layanan ATENSI menurut komponen', 'Alat bantu menurut jenis',
    'Layanan menurut unit']);
  // The case work's charts: the person by sex, age and difficulty, the
  // wheelchair by device and unit.
  await page.getByRole('heading', { name: 'Kerja kasus', level: 2 }).waitFor();
  assert.match(await charts.nth(5).locator('svg').textContent(), /Perempuan/);
  assert.match(await charts.nth(6).locator('svg').textContent(), /60 tahun ke atas/);
  assert.match(await charts.nth(8).locator('svg').textContent(), /Berjalan: [1-9]/);
  assert.match(await charts.nth(9).locator('svg').textContent(), /Dukungan aksesibilitas/);
  assert.match(await charts.nth(10).locator('svg').textContent(), /Kursi roda/);
  assert.match(await charts.nth(11).locator('svg').textContent(), /Sentra Mulya Jaya/);
  const { body: current } = await call('GET', '/v1/stats', { token: supervisor });
  const selfCare = current.case_work.people.by_functioning.find((g) => g.key === 'self_care');
  assert.match(await charts.nth(8).locator('svg desc').textContent(), new RegExp(`Merawat diri: ${selfCare.assessed} / ${selfCare.served}`));
  const work = page.locator('.case-work-tiles .tile');
  assert.equal((await work.nth(0).locator('.tile-value').textContent()).replace(/\D/g, ''), String(current.case_work.people.assessed));
  assert.equal((await work.nth(2).locator('.tile-value').textContent()).replace(/\D/g, ''), String(current.case_work.services.delivered));
  assert.match(await work.nth(3).locator('.tile-value').textContent(), /hari/);
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
  await page.locator('figure.chart-figure figcaption', { hasText: 'Assistive devices by kind' }).waitFor();
  assert.match(await charts.nth(10).locator('svg').textContent(), /Wheelchair/);
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  assertClean(watch);
  await context.close();
});
