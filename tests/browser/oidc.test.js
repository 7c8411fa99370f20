// Signing in through the organisation's identity provider: a real OpenID
// provider (npm oidc-provider, OpenID certified) runs here with a client for
// Sigap and two people. The one with a staff account clicks "Masuk dengan
// SSO", signs in at the provider's pages and lands in the console as that
// staff member; the one without an account, and a deactivated account, get a
// clear page and no session.
//
// scripts/browser.sh starts the api with SIGAP_OIDC_ISSUER (a free port on
// 127.0.0.1), SIGAP_OIDC_CLIENT_ID, SIGAP_OIDC_CLIENT_SECRET and
// SIGAP_PUBLIC_URL; this file starts the provider on that issuer.

import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import Provider from 'oidc-provider';
import { assertClean, BASE, call, devToken, openConsole, screenshot, useBrowser } from './lib.js';

const ISSUER = process.env.SIGAP_OIDC_ISSUER;
const CLIENT_ID = process.env.SIGAP_OIDC_CLIENT_ID;
const CLIENT_SECRET = process.env.SIGAP_OIDC_CLIENT_SECRET;
if (!ISSUER || !CLIENT_ID || !CLIENT_SECRET) {
  throw new Error('SIGAP_OIDC_ISSUER, SIGAP_OIDC_CLIENT_ID and SIGAP_OIDC_CLIENT_SECRET must be set (scripts/browser.sh sets them)');
}

const run = Date.now().toString(36);
/** The provider's people: Ani has a Sigap account (made below), Budi has none. */
const PEOPLE = {
  [`ani-${run}`]: { email: `ani.sso.${run}@kemensos.go.id`, name: 'Ani Rahmawati' },
  [`budi-${run}`]: { email: `budi.sso.${run}@kemensos.go.id`, name: 'Budi Santoso' },
};
const [ANI, BUDI] = Object.keys(PEOPLE);

const browser = useBrowser();
let server;
let admin;
let aniAccount;

function startProvider() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = { ...privateKey.export({ format: 'jwk' }), kid: `sigap-test-${run}`, alg: 'RS256', use: 'sig' };
  const provider = new Provider(ISSUER, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${BASE}/v1/auth/oidc/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [key] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The ID token itself carries the email and name Sigap reads.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: person.email, email_verified: true, name: person.name }),
      };
    },
  });
  const port = Number(new URL(ISSUER).port);
  return new Promise((resolve) => {
    const listening = provider.listen(port, '127.0.0.1', () => resolve(listening));
  });
}

before(async () => {
  server = await startProvider();
  admin = await devToken('admin');
  const { status, body } = await call('POST', '/v1/staff', {
    token: admin,
    body: { email: PEOPLE[ANI].email, name: PEOPLE[ANI].name, role: 'supervisor' },
  });
  assert.equal(status, 201, JSON.stringify(body));
  aniAccount = body;
});

after(() => new Promise((resolve) => {
  server?.close(resolve);
  server?.closeAllConnections?.();
}));

/** From the console's sign-in page through the provider's login and consent pages. */
async function signInAtProvider(page, login) {
  await page.getByRole('link', { name: 'Masuk dengan SSO' }).click();
  await page.waitForURL((url) => url.href.startsWith(ISSUER));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('kata sandi di penyedia');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('a person with a staff account signs in at the identity provider and lands in the console as that person', async () => {
  const { page, watch, context } = await openConsole(browser);
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  await screenshot(page, 'signin-sso');
  const callback = page.waitForResponse((r) => r.url().startsWith(`${BASE}/v1/auth/oidc/callback`));
  await signInAtProvider(page, ANI);
  const redirect = await callback;
  assert.equal(redirect.status(), 302);
  const code = redirect.headers().location.match(/\/console\/#\/sso\/([0-9a-f]+)$/)?.[1];
  assert.ok(code, `a one-time code in ${redirect.headers().location}`);

  // The callback hands the console a one-time code, which becomes a session.
  await page.waitForURL(/#\/triage$/);
  const who = page.locator('#whoami');
  await who.getByText(PEOPLE[ANI].name).waitFor();
  assert.match(await who.textContent(), /Supervisor/);
  await screenshot(page, 'signed-in-sso');

  const token = await page.evaluate(() => sessionStorage.getItem('sigap.token'));
  const { status, body: me } = await call('GET', '/v1/me', { token });
  assert.equal(status, 200);
  assert.equal(me.id, aniAccount.id);
  assert.equal(me.role, 'supervisor');
  assert.ok(me.last_sign_in_at, 'the sign-in is recorded');
  // The code in the redirect worked once: it cannot start a second session.
  const again = await call('POST', '/v1/auth/session', { body: { code } });
  assert.equal(again.status, 401);
  assertClean(watch, [PEOPLE[ANI].email]);
  await context.close();
});

test('a person the provider knows but Sigap does not is refused with a clear page and no session', async () => {
  const { page, context } = await openConsole(browser);
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  const callback = page.waitForResponse((r) => r.url().startsWith(`${BASE}/v1/auth/oidc/callback`));
  await signInAtProvider(page, BUDI);
  assert.equal((await callback).status(), 403);
  await page.getByRole('heading', { name: 'Tidak ada akun Sigap untuk Anda' }).waitFor();
  await page.getByRole('heading', { name: 'You have no Sigap account' }).waitFor();
  assert.doesNotMatch(await page.content(), /panicked|backtrace|stack/i);
  await screenshot(page, 'sso-unknown');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('sigap.token')), null);
  await page.getByRole('link', { name: 'Kembali ke halaman masuk' }).click();
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  await context.close();
});

test('a deactivated account is refused at the callback', async () => {
  const { status } = await call('PATCH', `/v1/staff/${aniAccount.id}`, { token: admin, body: { active: false } });
  assert.equal(status, 200);
  const { page, context } = await openConsole(browser);
  await page.getByRole('heading', { name: 'Masuk ke konsol' }).waitFor();
  const callback = page.waitForResponse((r) => r.url().startsWith(`${BASE}/v1/auth/oidc/callback`));
  await signInAtProvider(page, ANI);
  assert.equal((await callback).status(), 403);
  await page.getByRole('heading', { name: 'Akun Sigap Anda tidak aktif' }).waitFor();
  await context.close();
});
