// The unit directory shows admins and supervisors where no sourced coverage
// rule exists, as an SVG map the page draws itself with a table beside it;
// each unit opens to its coverage rules and their history.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertClean, call, devToken, useBrowser, openConsole, screenshot, UNIT,
} from './lib.js';

const browser = useBrowser();
let admin;
let supervisor;
let operator;
before(async () => {
  [admin, supervisor, operator] = await Promise.all([devToken('admin'), devToken('supervisor'), devToken('operator')]);
});

/** Every coverage gap, following the cursors as the console does. */
async function gaps(query = '') {
  const items = [];
  let cursor = null;
  do {
    const { status, body } = await call('GET', `/v1/coverage/gaps?limit=500${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: supervisor });
    assert.equal(status, 200, JSON.stringify(body));
    items.push(...body.items);
    cursor = body.next_cursor;
  } while (cursor);
  return items;
}

test('a supervisor sees the coverage gaps on a map and in a table', async () => {
  const all = await gaps();
  const papua = all.find((g) => /^9\d\./.test(g.region_code));
  assert.ok(papua, 'a regency of Papua lacks a sourced rule');
  const elderly = await gaps('&category=elderly');
  assert.ok(!elderly.some((g) => g.region_code === '13.03'), 'Sijunjung has a stated rule for every category');

  const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/units' });
  await page.getByRole('heading', { name: 'Direktori unit', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Celah cakupan', level: 2 }).waitFor();
  const map = page.locator('svg.gap-map');
  await page.locator('svg.gap-map[data-state="painted"][data-category=""] path.gap').first().waitFor({ timeout: 15000 });
  assert.equal(await map.locator('path.regency').count(), 514);
  assert.equal(await map.getAttribute('role'), 'img');
  assert.match(await map.locator(':scope > title').textContent(), /Peta celah cakupan/);
  assert.match(await map.locator(':scope > desc').textContent(), new RegExp(`^${all.length} dari 514 `));

  const gap = map.locator(`path[data-code="${papua.region_code}"]`);
  assert.match(await gap.getAttribute('class'), /\bgap\b/);
  assert.equal(await gap.getAttribute('data-missing'), String(papua.categories.length));
  assert.match(await gap.locator('title').textContent(), new RegExp(`^${papua.name}: tanpa aturan bersumber untuk `));
  assert.match(await page.locator('.map-legend').textContent(), /Tercakup/);

  // The same data as a table, for those who do not see the map.
  const table = page.getByRole('region', { name: 'Kabupaten/kota tanpa aturan bersumber' });
  assert.equal(await table.locator('tbody tr').count(), all.length);
  const row = table.locator(`tr[data-gap="${papua.region_code}"]`);
  assert.equal(await row.locator('th').textContent(), papua.name);
  await screenshot(page, 'directory-gaps', { fullPage: false });

  // One category: the map is coloured again for it.
  await page.getByLabel('Kategori', { exact: true }).selectOption('elderly');
  await page.locator('svg.gap-map[data-category="elderly"]').waitFor();
  const sijunjung = map.locator('path[data-code="13.03"]');
  assert.match(await sijunjung.getAttribute('class'), /\bcovered\b/);
  assert.equal(await sijunjung.locator('title').textContent(), 'Kabupaten Sijunjung: Lanjut usia punya aturan bersumber');
  assert.equal(await table.locator('tbody tr').count(), elderly.length);
  assert.equal(await map.locator('path.regency.gap').count(), elderly.filter((g) => /^\d\d\.\d\d$/.test(g.region_code)).length);
  assert.match(await map.locator(':scope > title').textContent(), /Lanjut usia/);

  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await sijunjung.locator('title').textContent(), 'Kabupaten Sijunjung: Elderly person has a sourced rule');
  assert.match(await page.locator('.gaps-summary').textContent(), /lack a sourced rule for Elderly person/);
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  assertClean(watch);
  await context.close();
});

test("a unit's row opens to its coverage rules and their history", async () => {
  const { body: unit } = await call('GET', `/v1/units/${UNIT}`, { token: admin });
  const put = (capacity) => call('PUT', `/v1/units/${UNIT}`, {
    token: admin,
    body: {
      name: unit.name, kind: unit.kind, region_code: unit.region_code, lat: unit.lat, lon: unit.lon,
      categories: unit.categories, capacity, active: unit.active, contact: unit.contact,
    },
  });
  const changed = await put(unit.capacity + 7);
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  try {
    const { page, watch, context } = await openConsole(browser, { token: supervisor, path: '#/units' });
    const toggle = page.getByRole('button', { name: `Cakupan dan riwayat ${unit.name}` });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const detail = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
    const rules = detail.locator('table.coverage');
    await rules.waitFor();

    const { body: coverage } = await call('GET', `/v1/units/${UNIT}/coverage`, { token: supervisor });
    assert.equal(await rules.locator('tbody tr').count(), coverage.items.length);
    const stated = coverage.items.find((r) => r.region_code === '13.03');
    const rule = rules.locator(`tr[data-rule="${stated.id}"]`);
    await rule.getByText('Kabupaten Sijunjung, Sumatera Barat').waitFor();
    assert.match(await rule.textContent(), /Dinyatakan sumber/);
    assert.match(await rule.textContent(), new RegExp(String(stated.year)));
    const link = rule.getByRole('link');
    assert.equal(await link.getAttribute('href'), new URL(stated.source).href);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    for (const a of await rules.locator('a').all()) assert.equal(await a.getAttribute('rel'), 'noopener noreferrer');

    // Newest change first: who, when, and the field before → after.
    const change = detail.locator('ol.history > li').first();
    await change.waitFor();
    assert.match(await change.locator('.event-kind').textContent(), /Unit diubah/);
    assert.match(await change.textContent(), /oleh dev-admin \(Administrator\)/);
    assert.ok((await change.locator('time').getAttribute('datetime')).length > 0);
    const capacity = change.locator('tr[data-field="capacity"]');
    assert.equal(await capacity.locator('th').textContent(), 'Kapasitas');
    assert.equal(await capacity.locator('td.before').textContent(), String(unit.capacity));
    assert.equal(await capacity.locator('td.after').textContent(), String(unit.capacity + 7));
    await detail.scrollIntoViewIfNeeded();
    await screenshot(page, 'directory-unit', { fullPage: false });

    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await detail.count(), 0);
    assertClean(watch);
    await context.close();
  } finally {
    const restored = await put(unit.capacity);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
  }
});

test('an operator sees the directory without the map', async () => {
  const { page, watch, context } = await openConsole(browser, { token: operator, path: '#/units' });
  await page.getByRole('heading', { name: 'Direktori unit', level: 1 }).waitFor();
  await page.locator('table.units tbody tr').first().waitFor();
  assert.equal(await page.locator('svg.gap-map').count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Celah cakupan' }).count(), 0);
  assert.equal(await page.locator('table.units button').count(), 0, 'no coverage rules to open');
  assert.ok(!watch.urls.some((u) => u.includes('/v1/coverage/gaps') || u.includes('regencies.json')), 'nothing asked for the gaps');
  assertClean(watch);
  await context.close();
});
