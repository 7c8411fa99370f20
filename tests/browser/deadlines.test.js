// The case page shows the open stage's deadline in the unit's own zone, in
// working time, in both languages.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertClean, devToken, elderlyReport, fileReport, openConsole, screenshot, useBrowser, waitForStatus } from './lib.js';

const browser = useBrowser();
let operator;
let supervisor;
before(async () => {
  operator = await devToken('operator');
  supervisor = await devToken('supervisor');
});

test('a high-urgency case shows its acknowledgement deadline in working hours, WIB, in Indonesian and English', async () => {
  const filed = await fileReport(operator, elderlyReport(`Lansia butuh kursi roda, uji-tenggat-${Date.now()}`));
  const report = await waitForStatus(operator, filed.id, 'assigned');
  assert.equal(report.deadline.stage, 'acknowledge');
  assert.equal(report.deadline.working_time, true);
  const { page, watch } = await openConsole(browser, { token: supervisor, path: `#/reports/${filed.id}` });
  const deadline = page.locator('.deadline[data-stage="acknowledge"]');
  await deadline.waitFor();
  assert.equal(await deadline.getAttribute('data-overdue'), 'false');
  assert.match(await deadline.textContent(), /^Konfirmasi: jatuh tempo dalam 1 jam kerja \(\S+ \d\d\.\d\d WIB\)$/);
  await screenshot(page, 'case-deadline');
  await page.getByRole('button', { name: 'English' }).click();
  assert.match(await deadline.textContent(), /^Acknowledge: due in 1 working hour \(\S+ \d\d:\d\d WIB\)$/);
  assertClean(watch);
});
