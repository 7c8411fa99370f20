// A supervisor works the triage queue: a report no active unit can take is
// assigned by hand, and the case page says so.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertClean, call, devToken, elderlyReport, fileReport, useBrowser, openConsole, screenshot, waitForStatus,
} from './lib.js';

const TARGET = 'SENTRA-WASANA-BAHAGIA';

const browser = useBrowser();
let admin;
let supervisor;
let operator;
before(async () => {
  [admin, supervisor, operator] = await Promise.all([devToken('admin'), devToken('supervisor'), devToken('operator')]);
});

/** Sets `active` on units through the admin API (`PUT /v1/units/{code}`). */
async function setActive(units, active) {
  await Promise.all(units.map(async (u) => {
    const { status, body } = await call('PUT', `/v1/units/${u.code}`, {
      token: admin,
      body: {
        name: u.name, kind: u.kind, region_code: u.region_code, lat: u.lat, lon: u.lon,
        categories: u.categories, capacity: u.capacity, active, contact: u.contact,
      },
    });
    assert.equal(status, 200, JSON.stringify(body));
  }));
}

/**
 * A case in triage: with every unit deactivated no coverage rule can take
 * it; the units are active again before anyone assigns it.
 */
async function triageCase(marker) {
  const { body } = await call('GET', '/v1/units?limit=500', { token: admin });
  const active = body.items.filter((u) => u.active);
  try {
    await setActive(active, false);
    const filed = await fileReport(operator, elderlyReport(`Keluarga miskin tanpa tempat tinggal, ${marker}`, {
      category: 'poverty', need: 'basic_needs', urgency: 'critical', region_code: '91.03', location: undefined,
      beneficiaries: undefined, beneficiary_count: 4,
    }));
    await waitForStatus(supervisor, filed.id, 'needs_triage');
    return filed;
  } finally {
    await setActive(active, true);
  }
}

test('a supervisor assigns a triage case to a unit by hand', async () => {
  const filed = await triageCase(`uji-triase-${Date.now()}`);
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/triage' });
  await page.getByRole('heading', { name: 'Triase', level: 1 }).waitFor();
  const card = page.locator(`li.case-card[data-id="${filed.id}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), /Perlu triase/);
  assert.match(await card.locator('.triage-reason').textContent(), /Alasan/);
  await screenshot(page, 'triage');

  const unit = card.getByLabel('Tugaskan ke unit');
  assert.equal(await unit.getAttribute('aria-required'), 'true');
  await unit.selectOption(TARGET);
  await card.getByLabel('Catatan penugasan (opsional)').fill('Unit terdekat dengan Jayapura');
  await card.getByRole('button', { name: 'Tugaskan' }).click();
  await card.waitFor({ state: 'detached' });
  await page.locator('.done-list').getByText(`${filed.ticket} ditugaskan ke Sentra Wasana Bahagia.`).waitFor();

  const { body: report } = await call('GET', `/v1/reports/${filed.id}`, { token: supervisor });
  assert.equal(report.status, 'assigned');
  assert.equal(report.unit_code, TARGET);
  const assignment = report.events.filter((e) => e.kind === 'assigned').at(-1);
  assert.equal(assignment.details.manual, true);
  assert.equal(assignment.note, 'Unit terdekat dengan Jayapura');

  await page.getByRole('link', { name: filed.ticket }).waitFor({ state: 'detached' });
  await page.goto(`${page.url().split('#')[0]}#/reports/${filed.id}`);
  await page.getByRole('heading', { name: `Kasus ${filed.ticket}`, level: 1 }).waitFor();
  await page.getByText('Ditugaskan manual oleh dev-supervisor.').waitFor();
  assert.ok(await page.getByRole('heading', { name: 'Ubah status' }).isVisible(), 'supervisors may act on any case');
  assert.ok(await page.getByRole('button', { name: 'Batalkan kasus' }).isVisible());
  await screenshot(page, 'case-supervisor');
  assertClean(watch);
  await context.close();
});

test('the unit directory lists every unit with its load', async () => {
  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/units' });
  await page.getByRole('heading', { name: 'Direktori unit', level: 1 }).waitFor();
  const rows = page.locator('table.units tbody tr');
  await rows.first().waitFor();
  const { body } = await call('GET', '/v1/units?limit=500', { token: supervisor });
  assert.equal(await rows.count(), body.items.length);
  assert.match(await page.locator('table.units').textContent(), /Sentra Mulya Jaya/);
  assertClean(watch);
  await context.close();
});
