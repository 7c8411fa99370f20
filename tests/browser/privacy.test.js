// Personal data work (UU PDP) in the console: a supervisor records a
// guardian's consent for a person on the case page and withdraws it; and
// records a data subject's request by NIK, finds it in the list with its due
// time, opens it, downloads its export and completes it. An erasure request
// warns that completing it erases the person's data.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';
import {
  assertClean, call, devToken, elderlyReport, fileReport, openConsole, screenshot, useBrowser, waitForStatus,
} from './lib.js';

const browser = useBrowser();
let operator;
let supervisor;
before(async () => {
  [operator, supervisor] = await Promise.all([devToken('operator'), devToken('supervisor')]);
});

/** The NIK of a woman born on 17 August 1945 in 13.03.01, with a serial of its own. */
function freshNik() {
  return `1303015708450${String(100 + Math.floor(Math.random() * 900))}`;
}

test("a supervisor records a guardian's consent for a person and withdraws it", async () => {
  const filed = await fileReport(operator, elderlyReport(`Lansia butuh kursi roda, uji-persetujuan-${Date.now()}`));
  await waitForStatus(supervisor, filed.id, 'assigned');
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: `#/reports/${filed.id}` });
  const person = page.locator('.people-list details').first();
  await person.locator('summary').getByText('Nenek Rukiah').click();
  const section = person.locator('section.consents');
  await section.getByRole('heading', { name: 'Persetujuan', exact: true }).waitFor();
  await section.getByText('Belum ada persetujuan yang dicatat.').waitFor();

  // No purpose chosen: the API's error is shown next to the purposes.
  const form = section.locator('form.consent-form');
  await form.getByRole('button', { name: 'Simpan persetujuan' }).click();
  await form.locator('fieldset.purposes + .field-error').waitFor();

  await form.getByLabel('Penanganan kasus').check();
  await form.getByLabel('Berbagi dengan dinas sosial daerah').check();
  await form.getByLabel('Diberikan oleh').selectOption('guardian');
  await form.getByLabel('Nama wali').fill('Yusuf');
  await form.getByLabel('Hubungan wali').fill('cucu');
  await form.getByLabel('Cara persetujuan').selectOption('written');
  await form.getByRole('button', { name: 'Simpan persetujuan' }).click();
  const row = section.locator('table.consents-table tbody tr').first();
  await row.getByText('Wali: Yusuf (cucu)').waitFor();
  await row.getByText('Berbagi dengan dinas sosial daerah').waitFor();
  await row.getByText('Berlaku').waitFor();
  assert.equal(await form.locator('.field-error').count(), 0, 'the error went with the corrected form');
  assert.equal(await form.getByLabel('Diberikan oleh').inputValue(), 'self', 'the form starts again from the person');
  await screenshot(page, 'privacy-consent');

  await row.getByLabel('Alasan penarikan (opsional)').fill('Keluarga menarik persetujuan berbagi data dengan dinas');
  await row.getByRole('button', { name: 'Tarik persetujuan' }).click();
  await row.locator('.badge.consent-withdrawn').waitFor();
  assert.equal(await row.getByRole('button', { name: 'Tarik persetujuan' }).count(), 0, 'a withdrawn consent is not withdrawn again');

  const { body: people } = await call('GET', `/v1/reports/${filed.id}/beneficiaries`, { token: supervisor });
  const { body: consents } = await call('GET', `/v1/beneficiaries/${people.items[0].id}/consents`, { token: supervisor });
  assert.equal(consents.items.length, 1);
  const [consent] = consents.items;
  assert.deepEqual([...consent.purposes].sort(), ['case_handling', 'share_with_regional_office']);
  assert.equal(consent.given_by, 'guardian');
  assert.equal(consent.guardian_relation, 'cucu');
  assert.equal(consent.active, false);
  assert.ok(consent.withdrawn_at);
  assertClean(watch, ['Siti Aminah', '081234567890', 'Rukiah', 'Yusuf']);
  await context.close();
});

test('a supervisor records a request by NIK, sees its due time, downloads its export and completes it', async () => {
  const nik = freshNik();
  const filed = await fileReport(operator, elderlyReport(`Lansia butuh kursi roda, uji-subjek-${Date.now()}`, {
    beneficiaries: [{ name: 'Nenek Rukiah', nik, age: 81, sex: 'F', disability: 'physical' }],
  }));
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/subject-requests' });
  await page.getByRole('heading', { name: 'Permintaan subjek data', level: 1 }).waitFor();
  assert.equal(await page.locator('#nav a[href="#/subject-requests"]').getAttribute('aria-current'), 'page');

  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Catat permintaan' }) });
  await form.getByLabel('Jenis permintaan').selectOption('access');
  await form.getByLabel('NIK').fill('12345');
  await form.getByLabel('Diminta oleh').fill('Nenek Rukiah sendiri, datang langsung');
  await form.getByLabel('Isi permintaan').fill('Meminta salinan data dirinya');
  await form.getByRole('button', { name: 'Catat permintaan' }).click();
  await form.locator('#sr-new-nik-error').waitFor();

  await form.getByLabel('NIK').fill(nik);
  await form.getByRole('button', { name: 'Catat permintaan' }).click();
  const opener = form.getByRole('link', { name: 'Buka permintaan' });
  await opener.waitFor();
  const id = (await opener.getAttribute('href')).split('/').pop();
  assert.equal(await form.getByLabel('Jenis permintaan').inputValue(), 'access', 'the form starts again from an access request');

  const { body: request } = await call('GET', `/v1/subject-requests/${id}`, { token: supervisor });
  assert.equal(request.identifier, 'nik');
  assert.equal(Date.parse(request.due_at) - Date.parse(request.received_at), 72 * 3600 * 1000);
  const row = page.locator(`table.subject-requests tr[data-id="${id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('time.due').getAttribute('datetime'), request.due_at);
  assert.notEqual((await row.locator('time.due').textContent()).trim(), '');
  await row.getByText('Terbuka').waitFor();
  assert.equal(await row.locator('.badge.overdue').count(), 0, 'a request received now is not overdue');
  await screenshot(page, 'privacy-subject-requests');

  await row.getByRole('link', { name: 'Akses' }).click();
  await page.getByRole('heading', { name: 'Data yang ditemukan' }).waitFor();
  await page.getByRole('link', { name: filed.ticket }).waitFor();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Unduh ekspor (JSON)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.json$/);
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(exported.subject_request.id, id);
  assert.ok(exported.reports.some((r) => r.id === filed.id), 'the export holds the report found');
  assert.ok(exported.beneficiaries.some((b) => b.nik === nik), 'the export holds the person');
  await page.getByText('Ekspor diunduh.').waitFor();

  await page.getByLabel('Jawaban kepada yang bersangkutan').fill('Salinan data diserahkan langsung');
  await page.getByRole('button', { name: 'Selesaikan', exact: true }).click();
  await page.locator('.badge.subject-done').waitFor();
  await page.getByText('Salinan data diserahkan langsung').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Selesaikan', exact: true }).count(), 0);
  const { body: done } = await call('GET', `/v1/subject-requests/${id}`, { token: supervisor });
  assert.equal(done.status, 'done');
  await screenshot(page, 'privacy-subject-request-done');
  assertClean(watch, [nik, 'Rukiah']);
  await context.close();
});

test('an erasure request warns before it is completed', async () => {
  const { status, body: created } = await call('POST', '/v1/subject-requests', {
    token: supervisor,
    body: { kind: 'erasure', phone: '081299990000', requested_by: 'Yang bersangkutan, surat', note: 'Minta datanya dihapus' },
  });
  assert.equal(status, 201, JSON.stringify(created));
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: `#/subject-requests/${created.id}` });
  await page.getByText('Menyelesaikan permintaan penghapusan akan menghapus data pribadi').waitFor();
  await page.getByRole('button', { name: 'Selesaikan dan hapus data' }).waitFor();

  // Operators have neither the page nor its menu entry.
  const operatorPage = await openConsole(browser, { token: operator, path: '#/subject-requests' });
  await operatorPage.page.getByText('Peran Anda tidak diizinkan membuka halaman ini.').waitFor();
  assert.equal(await operatorPage.page.locator('#nav a[href="#/subject-requests"]').count(), 0);
  assertClean(watch, ['081299990000']);
  await operatorPage.context.close();
  await context.close();
});
