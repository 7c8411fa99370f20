// An operator signs in with the development role picker, files a report
// through the form, and watches it get assigned without reloading the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertClean, call, devToken, useBrowser, openConsole, screenshot, UNIT, waitUntil,
} from './lib.js';

const browser = useBrowser();

test('an operator files a report and sees it assigned in the live list without a reload', async () => {
  const marker = `uji-operator-${Date.now()}`;
  const { page, watch, context } = await openConsole(browser);

  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');
  await page.locator('#dev-unit option').first().waitFor({ state: 'attached' });
  await screenshot(page, 'signin');
  await page.getByLabel('Peran').selectOption('operator');
  await page.getByRole('button', { name: 'Masuk sebagai peran ini' }).click();

  await page.getByRole('heading', { name: 'Laporan baru', level: 1 }).waitFor();
  assert.match(page.url(), /#\/intake$/);
  await page.evaluate(() => {
    window.sigapTestMarker = 'same page';
  });

  await page.getByLabel('Provinsi').selectOption('13');
  await page.locator('#f-regency option[value="13.03"]').waitFor({ state: 'attached' });
  await page.getByLabel('Kabupaten/kota').selectOption('13.03');
  await page.getByLabel('Alamat').fill('Jorong Koto Tuo, Kec. Kamang Baru');
  await page.getByLabel('Lintang (opsional)').fill('-0.69');
  await page.getByLabel('Bujur (opsional)').fill('100.95');
  await page.getByLabel('Kategori').selectOption('elderly');
  await page.getByLabel('Kebutuhan').selectOption('assistive_device');
  await page.getByLabel('Urgensi').selectOption('high');
  assert.equal(await page.getByLabel('Kanal').inputValue(), 'hotline');
  await page.getByLabel('Uraian').fill(`Lansia tinggal sendiri, butuh kursi roda. ${marker}`);
  await page.getByLabel('Nama pelapor').fill('Siti Aminah');
  await page.getByLabel('Telepon pelapor').fill('081234567890');
  await page.getByRole('button', { name: 'Tambah penerima manfaat' }).click();
  const row = page.getByRole('group', { name: 'Penerima manfaat 1' });
  await row.getByLabel('Nama').fill('Nenek Rukiah');
  await row.getByLabel('Usia').fill('78');
  await row.getByLabel('Jenis kelamin').selectOption('F');
  await row.getByLabel('Disabilitas').fill('fisik');
  await screenshot(page, 'intake-form');

  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/v1/reports')) posts.push(r.headers()['idempotency-key']);
  });
  // A double click files one report.
  await page.getByRole('button', { name: 'Kirim laporan' }).dblclick();

  const filed = page.locator('section.filed');
  await filed.waitFor();
  const ticket = (await filed.locator('dd.ticket').textContent()).trim();
  assert.match(ticket, /^CC-\d{4}-\d{6}$/);
  const id = await filed.getAttribute('data-id');
  assert.ok(posts.length >= 1 && posts.every((key) => key && key === posts[0]), `one Idempotency-Key per submission: ${posts}`);

  // The live list shows the report, and its status changes to assigned by
  // itself: the worker routes it while the page polls.
  const item = page.locator(`li.report-item[data-id="${id}"]`);
  await item.waitFor();
  await page.locator(`li.report-item[data-id="${id}"][data-status="assigned"]`).waitFor({ timeout: 15000 });
  assert.match(await item.textContent(), /Ditugaskan/);
  assert.match(await item.textContent(), /Sentra Mulya Jaya/);
  await page.locator('section.filed[data-status="assigned"]').waitFor();
  assert.match(await filed.textContent(), /Ditugaskan/);
  assert.equal(await page.evaluate(() => window.sigapTestMarker), 'same page', 'the page was not reloaded');
  await screenshot(page, 'intake-filed');

  const supervisor = await devToken('supervisor');
  const { body: list } = await call('GET', '/v1/reports?limit=100', { token: supervisor });
  const mine = list.items.filter((r) => r.description.includes(marker));
  assert.equal(mine.length, 1, 'exactly one report filed');
  assert.equal(mine[0].ticket, ticket);
  assert.equal(mine[0].unit_code, UNIT);
  assert.equal(mine[0].beneficiaries[0].age, 78);
  assert.equal(mine[0].reporter.phone, '+6281234567890');

  // The case page explains the routing decision and shows the history.
  await page.getByRole('link', { name: 'Buka kasus' }).click();
  await page.getByRole('heading', { name: `Kasus ${ticket}`, level: 1 }).waitFor();
  const why = page.locator('section', { has: page.getByRole('heading', { name: 'Mengapa unit ini' }) });
  await why.locator('tr.winner').waitFor();
  assert.match(await why.locator('tr.winner').textContent(), /Sentra Mulya Jaya/);
  assert.match(await why.locator('tr.winner').textContent(), /Terpilih/);
  const timeline = page.locator('ol.timeline > li');
  assert.ok(await timeline.count() >= 2, 'received and assigned events');
  assert.match(await page.locator('main').textContent(), /Siti Aminah/, 'operators see the reporter');
  await screenshot(page, 'case-operator');

  // Every label follows the language toggle, and so does the lang attribute.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: `Case ${ticket}`, level: 1 }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.ok(await page.getByRole('heading', { name: 'Why this unit' }).isVisible());
  assert.match(await page.locator('main').textContent(), /Assigned/);
  assert.match(await page.locator('ol.timeline').textContent(), /by sigap-router \(System\)/);
  await screenshot(page, 'case-operator-en');
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');

  // The token lives in this tab only, and personal data never left the page.
  assert.ok(await page.evaluate(() => sessionStorage.getItem('sigap.token')));
  assert.equal(await page.evaluate(() => localStorage.getItem('sigap.token')), null);
  assertClean(watch, ['Siti Aminah', '081234567890', '+6281234567890', 'Nenek Rukiah']);
  await context.close();
});

test('a pasted token signs in, and a wrong one is refused next to the field', async () => {
  const { page, watch, context } = await openConsole(browser);
  const field = page.getByLabel('Token akses');
  await field.fill('eyJ.not.valid');
  await page.getByRole('button', { name: 'Masuk dengan token', exact: true }).click();
  await page.locator('#signin-token-error').waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await field.getAttribute('aria-describedby'), /signin-token-error/);

  await field.fill(await devToken('supervisor'));
  await page.getByRole('button', { name: 'Masuk dengan token', exact: true }).click();
  await page.getByRole('heading', { name: 'Triase', level: 1 }).waitFor();
  assert.match(await page.locator('#whoami').textContent(), /Supervisor/);
  await page.getByRole('button', { name: 'Keluar' }).click();
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('sigap.token')), null);
  assertClean(watch);
  await context.close();
});

test('an expired or revoked token sends the user back to sign in', async () => {
  const { page, context } = await openConsole(browser, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoib3BlcmF0b3IifQ.c2lnbmF0dXJl', path: '#/intake' });
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  await page.getByText('Sesi berakhir atau token tidak berlaku').waitFor();
  await waitUntil('the token to be dropped', () => page.evaluate(() => sessionStorage.getItem('sigap.token') === null));
  await context.close();
});
