// UPT staff work their unit's queue: a new case appears by itself (long
// poll), they acknowledge it and move it through to closed, add a note, and
// a stale version is caught and reloaded. Staff accounts: signing in with a
// password and TOTP, the silent refresh of the access token, signing out,
// and an admin adding a person (one-time password) and deactivating them.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertClean, call, createStaff, devToken, elderlyReport, fileReport, useBrowser, openConsole, screenshot, totpCode, UNIT,
  waitForStatus, waitUntil,
} from './lib.js';

const browser = useBrowser();
let operator;
let staff;
before(async () => {
  operator = await devToken('operator');
  staff = await devToken('upt_staff', { unit: UNIT });
});

test('UPT staff of SENTRA-MULYA-JAYA acknowledge an elderly case from 13.03 and move it through to closed', async () => {
  const { page, watch, context } = await openConsole(browser, { token: staff, path: '#/cases' });
  await page.getByRole('heading', { name: 'Antrian Sentra Mulya Jaya', level: 1 }).waitFor();
  await page.evaluate(() => {
    window.sigapTestMarker = 'same page';
  });

  // Filed while the queue is open: the long poll brings it in.
  const filed = await fileReport(operator, elderlyReport(`Lansia butuh kursi roda, uji-staf-${Date.now()}`));
  await waitForStatus(operator, filed.id, 'assigned');
  const card = page.locator(`li.case-card[data-id="${filed.id}"]`);
  await card.waitFor({ timeout: 15000 });
  assert.equal(await card.getAttribute('data-status'), 'assigned');
  assert.match(await card.textContent(), /Konfirmasi dalam/);
  await screenshot(page, 'cases');

  const steps = [
    ['Konfirmasi kasus', 'acknowledged'],
    ['Mulai asesmen', 'assessing'],
    ['Mulai layanan', 'in_service'],
    ['Tandai selesai', 'resolved'],
  ];
  for (const [button, status] of steps) {
    if (status === 'resolved') {
      // Nobody may be left pending at resolution: the person listed was not reached.
      const { body: people } = await call('GET', `/v1/reports/${filed.id}/beneficiaries`, { token: staff });
      for (const person of people.items) {
        const { status: code } = await call('PATCH', `/v1/beneficiaries/${person.id}`, {
          token: staff, body: { status: 'unreachable', status_reason: 'Tidak dapat dihubungi' },
        });
        assert.equal(code, 200);
      }
    }
    await card.getByRole('button', { name: button }).click();
    await page.locator(`li.case-card[data-id="${filed.id}"][data-status="${status}"]`).waitFor();
    assert.match(await card.locator('.case-head').textContent(), new RegExp(
      { acknowledged: 'Dikonfirmasi unit', assessing: 'Asesmen', in_service: 'Dalam layanan', resolved: 'Selesai ditangani' }[status],
    ));
    if (status === 'in_service') {
      await card.getByText('Catatan dan pengalihan').click();
      await card.getByLabel('Catatan').fill('Kursi roda diantar besok pagi');
      await card.getByRole('button', { name: 'Tambah catatan' }).click();
      await card.getByText('Catatan ditambahkan.').waitFor();
    }
  }
  await card.getByRole('button', { name: 'Tutup kasus' }).click();
  // A closed case leaves the queue.
  await card.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.sigapTestMarker), 'same page', 'the page was not reloaded');

  const { body: report } = await call('GET', `/v1/reports/${filed.id}`, { token: staff });
  assert.equal(report.status, 'closed');
  const changes = report.events.filter((e) => e.kind === 'status_changed').map((e) => e.to_status);
  assert.deepEqual(changes, ['acknowledged', 'assessing', 'in_service', 'resolved', 'closed']);
  assert.ok(report.events.some((e) => e.kind === 'note' && e.note === 'Kursi roda diantar besok pagi'));
  assert.ok(report.events.every((e) => e.kind !== 'status_changed' || e.actor === `dev-upt_staff-${UNIT}`));

  // The case page of the unit shows its history, personal data included.
  await page.goto(`${page.url().split('#')[0]}#/reports/${filed.id}`);
  await page.getByRole('heading', { name: `Kasus ${filed.ticket}`, level: 1 }).waitFor();
  assert.match(await page.locator('main').textContent(), /Siti Aminah/);
  assert.match(await page.locator('main').textContent(), /Kursi roda diantar besok pagi/);
  await screenshot(page, 'case-staff');
  assertClean(watch, ['Siti Aminah', '081234567890', 'Nenek Rukiah']);
  await context.close();
});

test('a status change on a stale version is refused, explained and reloaded', async () => {
  const filed = await fileReport(operator, elderlyReport(`Lansia sendirian, uji-versi-${Date.now()}`));
  const assigned = await waitForStatus(operator, filed.id, 'assigned');
  // The queue's long polls are held, so that the page keeps showing the
  // version it first loaded while a supervisor acts; its reload after the
  // 412 asks without waiting and goes through.
  const { page, watch, context } = await openConsole(browser, {
    token: staff,
    path: '#/cases',
    setup: (p) => p.route(/\/cases\?.*wait=/, () => {}),
  });
  const card = page.locator(`li.case-card[data-id="${filed.id}"]`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-version'), String(assigned.version));

  const supervisor = await devToken('supervisor');
  const change = await call('POST', `/v1/reports/${filed.id}/status`, {
    token: supervisor, body: { status: 'acknowledged' }, headers: { 'If-Match': `"${assigned.version}"` },
  });
  assert.equal(change.status, 200);

  await card.getByRole('button', { name: 'Konfirmasi kasus' }).click();
  await page.getByText('Kasus ini baru saja diubah oleh pihak lain').waitFor();
  await page.locator(`li.case-card[data-id="${filed.id}"][data-status="acknowledged"]`).waitFor();
  assert.ok(await card.getByRole('button', { name: 'Mulai asesmen' }).isVisible());
  assert.ok(await card.getByText('Kasus ini baru saja diubah oleh pihak lain').isVisible(), 'the explanation outlasts the reload');
  assertClean(watch);
  await context.close();
});

test('UPT staff hand a case to the next unit, and it leaves their queue', async () => {
  const filed = await fileReport(operator, elderlyReport(`Lansia perlu dipindah, uji-alih-${Date.now()}`));
  await waitForStatus(operator, filed.id, 'assigned');
  const { page, watch, context } = await openConsole(browser, { token: staff, path: '#/cases' });
  const card = page.locator(`li.case-card[data-id="${filed.id}"]`);
  await card.waitFor();
  await card.getByText('Catatan dan pengalihan').click();
  assert.equal(await card.getByLabel('Unit tujuan').inputValue(), '', "the router's next choice by default");
  await card.getByLabel('Alasan pengalihan').fill('Di luar jangkauan layanan kami');
  await screenshot(page, 'cases-transfer');
  await card.getByRole('button', { name: 'Alihkan' }).click();
  await card.waitFor({ state: 'detached' });

  const supervisor = await devToken('supervisor');
  const { body: report } = await call('GET', `/v1/reports/${filed.id}`, { token: supervisor });
  assert.equal(report.status, 'assigned');
  assert.notEqual(report.unit_code, UNIT);
  assert.deepEqual(report.previous_units, [UNIT]);
  const transfer = report.events.find((e) => e.kind === 'transferred');
  assert.equal(transfer.note, 'Di luar jangkauan layanan kami');
  assertClean(watch);
  await context.close();
});

/** Signs in on the console's sign-in page with an email and a password. */
async function signInWithPassword(page, email, password) {
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Kata sandi').fill(password);
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
}

test('a supervisor signs in with a password, enrols TOTP, is refreshed silently, signs out, and then needs a code', async () => {
  const admin = await devToken('admin');
  const run = Date.now().toString(36);
  const password = `kursi roda merah ${run}`;
  const person = await createStaff(admin, {
    email: `dewi.${run}@kemensos.go.id`, name: 'Dewi Lestari', role: 'supervisor', password,
  });
  // The clock is Playwright's, so that the refresh 14 minutes ahead can be reached at once.
  const { page, watch, context } = await openConsole(browser, { setup: (p) => p.clock.install() });
  await signInWithPassword(page, person.email, password);
  await page.waitForURL(/#\/triage$/);
  await page.locator('#whoami').getByText('Dewi Lestari').waitFor();
  assert.match(await page.locator('#whoami').textContent(), /Supervisor/);

  // TOTP enrolment on the person's own page.
  await page.locator('#whoami').getByRole('link', { name: 'Dewi Lestari' }).click();
  await page.getByRole('heading', { name: 'Akun saya', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Mulai pendaftaran TOTP' }).click();
  const secret = await page.locator('code.totp-secret').textContent();
  assert.match(await page.locator('code.totp-uri').textContent(), /^otpauth:\/\/totp\//);
  await page.getByLabel('Kode dari aplikasi').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Konfirmasi' }).click();
  await page.getByText('TOTP aktif').waitFor();
  await screenshot(page, 'account-totp');

  // Silent refresh: a minute before the access token expires, the next pair replaces it.
  const before = await page.evaluate(() => ({ access: sessionStorage.getItem('sigap.token'), refresh: sessionStorage.getItem('sigap.refresh') }));
  await page.clock.fastForward('14:30');
  const after = await waitUntil('the silent refresh', () => page.evaluate((old) => {
    const refresh = sessionStorage.getItem('sigap.refresh');
    return refresh && refresh !== old ? { access: sessionStorage.getItem('sigap.token'), refresh } : null;
  }, before.refresh));
  // (The access token may read the same when both were signed within one second.)
  const { status: meStatus, body: me } = await call('GET', '/v1/me', { token: after.access });
  assert.equal(meStatus, 200);
  assert.equal(me.id, person.id);
  assert.equal(me.totp_enabled, true);

  // Sign-out ends the session: its access token is refused.
  await page.getByRole('button', { name: 'Keluar' }).click();
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('sigap.refresh')), null);
  await waitUntil('the ended session refused', async () => (await call('GET', '/v1/me', { token: after.access })).status === 401);

  // Signing in again asks for a code (the next step's: each code works once).
  await signInWithPassword(page, person.email, password);
  await page.getByText('Akun ini memerlukan kode autentikator.').waitFor();
  await page.getByLabel('Kode autentikator').fill(totpCode(secret, 1));
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  await page.waitForURL(/#\/triage$/);
  await page.locator('#whoami').getByText('Dewi Lestari').waitFor();
  assertClean(watch, [person.email, password]);
  await context.close();
});

test('an admin adds a person, who signs in with the one-time password and must change it; the admin then deactivates them', async () => {
  const admin = await devToken('admin');
  const run = Date.now().toString(36);
  const email = `rudi.${run}@kemensos.go.id`;
  const { page, watch, context } = await openConsole(browser, { token: admin, path: '#/staff' });
  await page.getByRole('heading', { name: 'Staf', level: 1 }).waitFor();
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Tambah staf' }) });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Nama').fill('Rudi Hartono');
  await form.getByLabel('Peran').selectOption('upt_staff');
  await form.getByLabel('Unit (UPT)').selectOption(UNIT);
  await form.getByRole('button', { name: 'Tambah', exact: true }).click();
  await form.getByText('Rudi Hartono ditambahkan.').waitFor();
  const oneTime = await form.locator('code.one-time-password').textContent();
  assert.ok(oneTime.length >= 12, 'a one-time password is shown');
  await screenshot(page, 'staff-added');
  const row = page.locator(`tr[data-email="${email}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Petugas UPT/);
  assert.match(await row.textContent(), /Sentra Mulya Jaya/);

  // The person signs in with it and must choose their own password first.
  const own = await openConsole(browser);
  await signInWithPassword(own.page, email, oneTime);
  await own.page.getByText('Ganti kata sandi yang diberikan admin sebelum melanjutkan.').waitFor();
  await own.page.getByLabel('Kata sandi sekarang').fill(oneTime);
  await own.page.getByLabel('Kata sandi baru').fill(`tongkat biru ${run} pagi`);
  await own.page.getByRole('button', { name: 'Ganti kata sandi' }).click();
  await own.page.waitForURL(/#\/cases$/);
  await own.page.getByRole('heading', { name: 'Antrian Sentra Mulya Jaya', level: 1 }).waitFor();
  const token = await own.page.evaluate(() => sessionStorage.getItem('sigap.token'));

  // Deactivated by the admin: the row says so, and the person's session has ended.
  await row.getByRole('button', { name: 'Nonaktifkan' }).click();
  await waitUntil('the row shown inactive', async () => (await row.locator('td').nth(4).textContent()) === 'Nonaktif');
  await waitUntil('the deactivated person refused', async () => (await call('GET', '/v1/me', { token })).status === 401);
  const again = await call('POST', '/v1/auth/login', { body: { email, password: `tongkat biru ${run} pagi` } });
  assert.equal(again.status, 401);
  assertClean(watch);
  await own.context.close();
  await context.close();
});
