// UPT staff work their unit's queue: a new case appears by itself (long
// poll), they acknowledge it and move it through to closed, add a note, and
// a stale version is caught and reloaded.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertClean, call, devToken, elderlyReport, fileReport, useBrowser, openConsole, screenshot, UNIT, waitForStatus,
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
