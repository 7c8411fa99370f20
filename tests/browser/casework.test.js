// UPT staff work a case person by person: an assessment with the Washington
// Group questions, a wheelchair planned and handed over with its BAST number;
// a list imported with a row error shown in a table; the unit's delivery list.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertClean, call, devToken, elderlyReport, fileReport, openConsole, PHONE, scrollsSideways, screenshot, UNIT,
  useBrowser, waitForStatus,
} from './lib.js';

const browser = useBrowser();
let operator;
let staff;
before(async () => {
  [operator, staff] = await Promise.all([devToken('operator'), devToken('upt_staff', { unit: UNIT })]);
});

/** A case filed, routed to the unit and acknowledged by its staff. */
async function acknowledgedCase(marker) {
  const filed = await fileReport(operator, elderlyReport(`Permintaan kursi roda, ${marker}`));
  const assigned = await waitForStatus(staff, filed.id, 'assigned');
  const { status } = await call('POST', `/v1/reports/${filed.id}/status`, {
    token: staff, body: { status: 'acknowledged' }, headers: { 'If-Match': `"${assigned.version}"` },
  });
  assert.equal(status, 200);
  return filed;
}

test('UPT staff assess a person and hand over a wheelchair with its BAST number', async () => {
  const filed = await acknowledgedCase(`uji-layanan-${Date.now()}`);
  const { page, watch, context } = await openConsole(browser, { token: staff, path: `#/reports/${filed.id}` });
  const person = page.locator('.people-list details').first();
  await person.locator('summary').getByText('Nenek Rukiah').click();
  await person.getByText('Menunggu asesmen').waitFor();

  const assess = person.locator('form.cw-form', { has: page.getByRole('heading', { name: 'Asesmen', exact: true }) });
  await assess.getByLabel('Temuan').fill('Tidak dapat berjalan tanpa bantuan.');
  await assess.getByLabel('Berjalan').selectOption('cannot_do_at_all');
  await assess.getByLabel('Melihat').selectOption('some_difficulty');
  await assess.getByLabel('Rekomendasi').fill('wheelchair');
  await assess.getByRole('button', { name: 'Simpan asesmen' }).click();
  await person.getByText('Sudah diases').waitFor();

  const plan = person.locator('form.cw-form', { has: page.getByRole('heading', { name: 'Rencana layanan' }) });
  await plan.getByLabel('Alat bantu').selectOption('wheelchair');
  await plan.getByRole('button', { name: 'Rencanakan layanan' }).click();
  await person.locator('table.services').getByText('Direncanakan').waitFor();
  await screenshot(page, 'casework-planned');

  const deliver = person.locator('form.cw-form', { has: page.getByRole('heading', { name: 'Penyaluran' }) });
  await deliver.getByLabel('Nomor BAST').fill('BAST/SMJ/2026/0412');
  await deliver.getByLabel('Diterima oleh').fill('Rukiah dan cucunya');
  await deliver.getByRole('button', { name: 'Catat penyaluran' }).click();
  await person.locator('table.services').getByText('Disalurkan').waitFor();
  await person.getByText('Sudah dilayani').waitFor();
  await screenshot(page, 'casework-delivered');

  const { body: services } = await call('GET', `/v1/reports/${filed.id}/services`, { token: staff });
  assert.equal(services.items.length, 1);
  assert.equal(services.items[0].item, 'wheelchair');
  assert.equal(services.items[0].status, 'delivered');
  assert.equal(services.items[0].handover_ref, 'BAST/SMJ/2026/0412');
  const { body: assessments } = await call('GET', `/v1/beneficiaries/${services.items[0].beneficiary_id}/assessments`, { token: staff });
  assert.equal(assessments.items[0].functioning.walking, 'cannot_do_at_all');
  assertClean(watch, ['Siti Aminah', '081234567890', 'Rukiah']);
  await context.close();
});

test('an imported list with an error shows the row, and nothing is added', async () => {
  const filed = await acknowledgedCase(`uji-impor-${Date.now()}`);
  const { page, watch, context } = await openConsole(browser, { token: staff, viewport: PHONE, path: `#/reports/${filed.id}` });
  const form = page.locator('form.import');
  await form.getByRole('heading', { name: 'Impor daftar penerima' }).waitFor();
  const list = 'nama;nik;jenis_kelamin\nBapak Amir;;L\nIbu Sari;12345;P\n';
  await form.getByLabel('Berkas CSV atau XLSX').setInputFiles({ name: 'daftar.csv', mimeType: 'text/csv', buffer: Buffer.from(list) });
  await form.getByRole('button', { name: 'Impor' }).click();
  const errors = form.locator('table.row-errors');
  await errors.waitFor();
  const cells = await errors.locator('tbody tr').first().locator('td').allTextContents();
  assert.equal(cells[0], '3');
  assert.equal(cells[1], 'nik');
  await form.getByText('Tidak ada yang ditambahkan').waitFor();
  await screenshot(page, 'casework-import-errors');
  assert.equal(await scrollsSideways(page), false, 'the case page fits a phone');

  const { body: people } = await call('GET', `/v1/reports/${filed.id}/beneficiaries`, { token: staff });
  assert.equal(people.items.length, 1, 'only the person filed');

  // Corrected, the list is imported and its people appear on the page.
  const fixed = 'nama;nik;jenis_kelamin\nBapak Amir;;L\nIbu Sari;;P\n';
  await form.getByLabel('Berkas CSV atau XLSX').setInputFiles({ name: 'daftar.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
  await form.getByRole('button', { name: 'Impor' }).click();
  await page.locator('.people-list').getByText('Ibu Sari').waitFor();
  assertClean(watch, ['Bapak Amir', 'Ibu Sari']);
  await context.close();
});

test("the unit's delivery list shows what is still to deliver", async () => {
  const filed = await acknowledgedCase(`uji-daftar-${Date.now()}`);
  const { body: people } = await call('GET', `/v1/reports/${filed.id}/beneficiaries`, { token: staff });
  const person = people.items[0].id;
  let answer = await call('POST', `/v1/beneficiaries/${person}/assessments`, {
    token: staff,
    body: { assessed_on: new Date().toISOString().slice(0, 10), method: 'at_unit', eligible: true, findings: 'Perlu kursi roda', recommendations: [] },
  });
  assert.equal(answer.status, 201);
  answer = await call('POST', `/v1/beneficiaries/${person}/services`, {
    token: staff,
    body: { component: 'accessibility_support', modality: 'family_based', item: 'hearing_aid', quantity: 1, due_on: '2099-01-01' },
  });
  assert.equal(answer.status, 201);
  const { page, watch, context } = await openConsole(browser, { token: staff, path: '#/deliveries' });
  await page.getByRole('heading', { name: 'Daftar penyaluran unit' }).waitFor();
  await page.getByRole('link', { name: filed.ticket }).waitFor();
  await page.getByText('Alat bantu dengar × 1').first().waitFor();
  await screenshot(page, 'casework-delivery-list');
  assertClean(watch, []);
  await context.close();
});
