// The holiday calendar: a supervisor reads a year's days off; an admin adds a
// collective-leave day, renames it, sees the API's field error next to the
// field it names, and removes the day again. The unit directory shows each
// unit's office hours in its own time zone.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertClean, call, devToken, openConsole, screenshot, useBrowser } from './lib.js';

const browser = useBrowser();
let admin;
let supervisor;
before(async () => {
  [admin, supervisor] = await Promise.all([devToken('admin'), devToken('supervisor')]);
});

/** A day no seeded row uses, so that the test leaves the calendar as it found it. */
const DAY = '2027-03-12';

test('a supervisor reads the days off of 2026 in Indonesian and English', async () => {
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/holidays' });
  await page.getByRole('heading', { name: 'Kalender hari libur', level: 1 }).waitFor();
  await page.getByLabel('Tahun').selectOption('2026');
  await page.getByRole('heading', { name: 'Hari libur 2026', level: 2 }).waitFor();
  const table = page.locator('table.holidays');
  await table.locator('tr[data-date="2026-03-20"]').waitFor();
  const { body } = await call('GET', '/v1/holidays?year=2026', { token: supervisor });
  assert.equal(await table.locator('tbody tr').count(), body.holidays.length);
  const leave = table.locator('tr[data-date="2026-03-20"]');
  assert.match(await leave.locator('time').textContent(), /^Jumat, 20 Maret 2026$/);
  assert.equal(await leave.locator('.badge').textContent(), 'Cuti bersama');
  assert.equal(await table.locator('tr[data-date="2026-03-21"] .badge').textContent(), 'Libur nasional');
  assert.equal(await page.getByRole('button', { name: /^Hapus / }).count(), 0, 'supervisors do not edit');
  assert.equal(await page.getByRole('heading', { name: 'Tambah atau ubah hari libur' }).count(), 0);

  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Days off in 2026', level: 2 }).waitFor();
  assert.equal(await leave.locator('time').textContent(), 'Friday, 20 March 2026');
  assert.equal(await leave.locator('.badge').textContent(), 'Collective leave');
  assertClean(watch);
  await context.close();
});

test('an admin adds, renames and removes a day off, with field errors beside the field', async () => {
  const { page, watch, context } = await openConsole(browser, { token: admin, path: '#/holidays' });
  await page.getByRole('heading', { name: 'Kalender hari libur', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Kalender libur' }).waitFor();

  const date = page.locator('#holiday-date');
  const name = page.locator('#holiday-name');
  const kind = page.locator('#holiday-kind');
  assert.equal(await page.getByLabel('Tanggal').getAttribute('id'), 'holiday-date', 'the date field is labelled');
  await date.fill(DAY);
  await name.fill('   ');
  await kind.selectOption('collective_leave');
  await page.getByRole('button', { name: 'Simpan' }).click();
  // The API refuses a blank name; the console shows its message at the field.
  const error = page.locator('#holiday-name-error');
  await error.waitFor();
  assert.match(await error.textContent(), /1 sampai 200 karakter/);
  assert.equal(await name.getAttribute('aria-invalid'), 'true');

  await name.fill('Cuti bersama Idulfitri 1448 Hijriah');
  await page.getByRole('button', { name: 'Simpan' }).click();
  await page.getByText(`Cuti bersama Idulfitri 1448 Hijriah (${DAY}) ditambahkan.`).waitFor();
  assert.equal(await page.locator('#holiday-name-error').count(), 0);
  // Saving a day of 2027 shows 2027.
  await page.getByRole('heading', { name: 'Hari libur 2027', level: 2 }).waitFor();
  const row = page.locator(`table.holidays tr[data-date="${DAY}"]`);
  await row.waitFor();
  assert.equal(await row.locator('.badge').textContent(), 'Cuti bersama');
  await screenshot(page, 'holidays-admin');

  await row.getByRole('button', { name: /^Ubah / }).click();
  assert.equal(await date.inputValue(), DAY);
  await name.fill('Libur Idulfitri 1448 Hijriah');
  await kind.selectOption('holiday');
  await page.getByRole('button', { name: 'Simpan' }).click();
  await page.getByText(`Libur Idulfitri 1448 Hijriah (${DAY}) diperbarui.`).waitFor();
  await page.locator(`table.holidays tr[data-date="${DAY}"][data-kind="holiday"]`).waitFor();
  const { body: saved } = await call('GET', '/v1/holidays?year=2027', { token: admin });
  assert.deepEqual(saved.holidays.find((d) => d.date === DAY),
    { date: DAY, name: 'Libur Idulfitri 1448 Hijriah', kind: 'holiday' });

  await page.getByRole('button', { name: `Hapus Libur Idulfitri 1448 Hijriah (${DAY})` }).click();
  await page.getByText(`Libur Idulfitri 1448 Hijriah (${DAY}) dihapus dari kalender.`).waitFor();
  await page.locator(`table.holidays tr[data-date="${DAY}"]`).waitFor({ state: 'detached' });
  const { body: after } = await call('GET', '/v1/holidays?year=2027', { token: admin });
  assert.ok(!after.holidays.some((d) => d.date === DAY));
  assertClean(watch);
  await context.close();
});

test('the unit directory shows office hours in the unit\'s time zone', async () => {
  const { page, watch, context } = await openConsole(browser, { token: admin, path: '#/units' });
  await page.getByRole('heading', { name: 'Direktori unit', level: 1 }).waitFor();
  const cell = page.locator('tr[data-unit="SENTRA-MULYA-JAYA"] td.office-hours');
  await cell.waitFor();
  assert.equal(await cell.textContent(), 'Sen–Jum 08:00–16:00 WIB');
  assertClean(watch);
  await context.close();
});
