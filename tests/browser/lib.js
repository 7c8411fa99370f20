// Helpers of the browser tests: Debian's Chromium through playwright-core,
// tokens from the development endpoint, API calls for setup and checks, and
// a watch on every page for script errors, CSP violations and personal data
// leaking into URLs or the console.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE = process.env.SIGAP_URL;
if (!BASE) throw new Error('SIGAP_URL must name a Sigap api started with SIGAP_ENV=dev');
const SHOTS = process.env.SCREENSHOTS ?? join(process.cwd(), 'screenshots');
mkdirSync(SHOTS, { recursive: true });

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };
export const UNIT = 'SENTRA-MULYA-JAYA';

/**
 * One browser for a test file: launched before its tests, closed after them.
 * Returns what `openConsole` needs of it.
 */
export function useBrowser() {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return { newContext: (options) => browser.newContext(options) };
}

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Calls the API: `{status, body, headers}`. */
export async function call(method, path, { token, body, headers = {} } = {}) {
  const all = { ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  if (body !== undefined) all['Content-Type'] = 'application/json';
  const response = await fetch(`${BASE}${path}`, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export async function devToken(role, extra = {}) {
  const { status, body } = await call('POST', '/v1/dev/token', { body: { role, ...extra } });
  assert.equal(status, 200, `dev token for ${role}: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function waitUntil(what, check, { timeout = 15000, interval = 200 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A report body that the seeded directory routes to SENTRA-MULYA-JAYA. */
export function elderlyReport(description, overrides = {}) {
  return {
    category: 'elderly', need: 'assistive_device', urgency: 'high', channel: 'hotline', region_code: '13.03',
    location: { lat: -0.69, lon: 100.95 }, reporter: { name: 'Siti Aminah', phone: '081234567890' },
    beneficiaries: [{ name: 'Nenek Rukiah', age: 78, sex: 'F', disability: 'physical' }],
    description, ...overrides,
  };
}

export async function fileReport(token, body) {
  const { status, body: filed } = await call('POST', '/v1/reports', { token, body });
  assert.equal(status, 201, JSON.stringify(filed));
  return filed;
}

export async function waitForStatus(token, id, status, timeout = 15000) {
  return waitUntil(`report ${id} to be ${status}`, async () => {
    const { body } = await call('GET', `/v1/reports/${id}`, { token });
    return body?.status === status ? body : null;
  }, { timeout });
}

/**
 * A page of a fresh context, signed in with `token` (kept in sessionStorage
 * as the console does) unless `token` is null; `setup(page)` runs before the
 * console loads.
 */
export async function openConsole(browser, { token = null, viewport = DESKTOP, path = '', setup } = {}) {
  const context = await browser.newContext({ viewport, locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
  if (token) {
    await context.addInitScript((jwt) => {
      if (!sessionStorage.getItem('sigap.token')) sessionStorage.setItem('sigap.token', jwt);
    }, token);
  }
  const page = await context.newPage();
  const watch = watchPage(page);
  await setup?.(page);
  await page.goto(`${BASE}/console/${path}`);
  return { context, page, watch };
}

/** Records script errors, CSP violations, request URLs and console output. */
export function watchPage(page) {
  const watch = { errors: [], urls: [], console: [] };
  page.on('pageerror', (e) => watch.errors.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    watch.console.push(text);
    // Chromium logs every 4xx answer to fetch; those are expected here.
    if (msg.type() === 'error' && !text.startsWith('Failed to load resource')) watch.errors.push(`console: ${text}`);
  });
  page.on('request', (r) => watch.urls.push(r.url()));
  return watch;
}

/** No script error, no CSP violation, and none of `secrets` in a URL or the console. */
export function assertClean(watch, secrets = []) {
  assert.deepEqual(watch.errors, [], 'the page logged errors');
  for (const secret of secrets) {
    const variants = [secret, encodeURIComponent(secret)];
    for (const url of watch.urls) assert.ok(!variants.some((v) => url.includes(v)), `personal data in a URL: ${url}`);
    for (const line of watch.console) assert.ok(!line.includes(secret), 'personal data in the console');
  }
}

export async function screenshot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Whether the document scrolls sideways. */
export async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/**
 * The RFC 6238 code (HMAC-SHA1, 30-second steps, 6 digits) an authenticator
 * app shows for a base32 `secret`, `steps` steps from now.
 */
export function totpCode(secret, steps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.replace(/=+$/, '').toUpperCase()]
    .map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/** A staff account made by an admin through the API: `{id, email, ...}`. */
export async function createStaff(adminToken, body) {
  const { status, body: created } = await call('POST', '/v1/staff', { token: adminToken, body });
  assert.equal(status, 201, JSON.stringify(created));
  return created;
}
