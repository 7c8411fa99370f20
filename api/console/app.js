// The Sigap console: sign-in, then one view per task of each role, routed by
// the URL fragment (#/intake, #/reports/<id>, #/cases, #/triage, #/stats,
// #/units, #/holidays, #/staff, #/subject-requests, #/account). The views live in their own modules; this
// one holds the page's chrome, the routing, the start-up and the staff session
// (silent refresh before the access token expires, sign-out).
// Views keep themselves fresh by polling the API and stop when left.

import * as api from './api.js';
import { caseView } from './case.js';
import { unitServicesView } from './casework.js';
import { unitsView } from './directory.js';
import { h, notice } from './dom.js';
import { holidaysView } from './holidays.js';
import { applyLanguage, lang, setLang, t } from './i18n.js';
import { intakeView } from './intake.js';
import { errorNotice, homeOf, NAV, regionText, setTitle } from './page.js';
import { casesView } from './queue.js';
import { reportsView } from './reports.js';
import { signInView, ssoView } from './signin.js';
import { accountView, staffView } from './staff.js';
import { app, loadReference, loadVocabulary, role, unitName } from './state.js';
import { statsView } from './stats.js';
import { subjectRequestsView, subjectRequestView } from './subjects.js';
import { triageView } from './triage.js';

function renderChrome() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('whoami');
  const signout = document.getElementById('signout');
  const signedIn = Boolean(app.claims);
  nav.replaceChildren();
  who.replaceChildren();
  signout.hidden = !signedIn;
  nav.hidden = !signedIn;
  if (!signedIn) return;
  const current = location.hash.split('/').slice(0, 2).join('/');
  // An enrol-only token opens the person's own account page alone.
  const links = app.claims.enrol_only ? [] : NAV[role()] ?? [];
  nav.append(h('ul', {}, links.map(([href, key]) => h('li', {},
    h('a', { href, i18n: key, 'aria-current': href === current ? 'page' : null })))));
  const place = app.claims.unit ? unitName(app.claims.unit) : app.claims.region ? regionText(app.claims.region) : null;
  if (app.me) who.append(h('a', { href: '#/account', class: 'name', text: app.me.name }), ' · ');
  who.append(h('span', { class: 'role', vocab: `role:${role()}` }));
  if (place) who.append(h('span', { class: 'place', text: ` · ${place}` }));
}

/** Where a signed-in person starts: their account page while it needs them. */
function landing() {
  return app.claims?.enrol_only ? '#/account' : homeOf(app.claims?.role);
}

/**
 * Starts the console with a token (dev picker, pasted) or a staff session's
 * token pair (password, SSO).
 */
function signIn(credentials) {
  if (typeof credentials === 'string') api.setToken(credentials);
  else api.setSession(credentials);
  app.claims = api.decodeClaims(api.token());
  start(landing());
}

async function signOut() {
  window.clearTimeout(refreshTimer);
  if (app.claims?.sid) {
    // Ends the session on the server too; the page forgets it either way.
    await api.post('/v1/auth/logout', undefined).catch(() => {});
  }
  api.clearToken();
  app.claims = null;
  app.me = null;
  if (location.hash === '#/signin') route();
  else location.hash = '#/signin';
}

/** Refreshing this long before the access token expires leaves room for a slow network. */
const REFRESH_MARGIN_MS = 60_000;
let refreshTimer = null;

/** Plans the silent refresh of a staff session's access token. */
function scheduleRefresh() {
  window.clearTimeout(refreshTimer);
  if (!api.refreshToken()) return;
  const left = api.expiresAt() - Date.now();
  const delay = Math.max(left - Math.min(REFRESH_MARGIN_MS, left / 2), 0);
  refreshTimer = window.setTimeout(refreshNow, delay);
}

/** Exchanges the refresh token for the next pair (rotation); a refused one ends the session here too. */
async function refreshNow() {
  const current = api.refreshToken();
  if (!current) return;
  try {
    const { data } = await api.post('/v1/auth/refresh', { refresh_token: current }, { auth: false });
    api.setSession(data);
    app.claims = api.decodeClaims(data.access_token);
    scheduleRefresh();
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 401) {
      document.dispatchEvent(new CustomEvent('sigap:unauthorized'));
    } else {
      // The network or the server failed: try again shortly.
      refreshTimer = window.setTimeout(refreshNow, 10_000);
    }
  }
}

const ROUTES = [
  { pattern: /^#\/intake$/, view: intakeView, roles: ['operator', 'supervisor'] },
  { pattern: /^#\/reports$/, view: reportsView, roles: ['operator', 'supervisor', 'regional'] },
  { pattern: /^#\/reports\/([0-9a-f-]{36})$/i, view: caseView, params: (m) => ({ id: m[1] }) },
  { pattern: /^#\/cases$/, view: casesView, roles: ['upt_staff'] },
  { pattern: /^#\/triage$/, view: triageView, roles: ['supervisor'] },
  { pattern: /^#\/stats$/, view: statsView, roles: ['supervisor', 'regional'] },
  { pattern: /^#\/units$/, view: unitsView },
  { pattern: /^#\/holidays$/, view: holidaysView, roles: ['admin', 'supervisor'] },
  { pattern: /^#\/deliveries$/, view: unitServicesView, params: () => ({ code: app.claims?.unit }), roles: ['upt_staff'] },
  { pattern: /^#\/units\/([A-Z0-9-]{1,64})\/services$/, view: unitServicesView, params: (m) => ({ code: m[1] }), roles: ['upt_staff', 'supervisor'] },
  { pattern: /^#\/staff$/, view: staffView, roles: ['admin'] },
  { pattern: /^#\/subject-requests$/, view: subjectRequestsView, roles: ['supervisor', 'admin'] },
  { pattern: /^#\/subject-requests\/([0-9a-f-]{36})$/i, view: subjectRequestView, params: (m) => ({ id: m[1] }), roles: ['supervisor', 'admin'] },
  { pattern: /^#\/account$/, view: accountView },
];

async function route(navigated = false) {
  app.stop?.();
  app.stop = null;
  const root = document.getElementById('main');
  const hash = location.hash || '#/';
  // Each visit renders into its own container, so that a view still loading
  // when the user moves on never writes into the next one.
  const main = h('div', { class: 'view' });
  root.replaceChildren(main);
  root.setAttribute('aria-busy', 'true');
  const controller = new AbortController();
  const cleanups = [];
  app.stop = () => {
    controller.abort();
    cleanups.forEach((f) => f());
  };
  const ctx = { signal: controller.signal, onStop: (f) => cleanups.push(f) };
  try {
    const sso = hash.match(/^#\/sso\/([0-9a-f]+)$/);
    if (sso) {
      renderChrome();
      await ssoView(main, sso[1], signIn);
      return;
    }
    if (!app.claims) {
      renderChrome();
      await signInView(main, signIn);
      return;
    }
    if (hash === '#/signin' || hash === '#/' || (app.claims.enrol_only && hash !== '#/account')) {
      location.replace(landing());
      return;
    }
    renderChrome();
    const found = ROUTES.map((r) => ({ r, m: hash.match(r.pattern) })).find((x) => x.m);
    if (!found) {
      location.replace(landing());
      return;
    }
    if (found.r.roles && !found.r.roles.includes(role())) {
      setTitle('error.forbidden');
      main.append(notice('error', h('p', { i18n: 'error.forbidden' })));
      return;
    }
    await found.r.view(main, found.r.params?.(found.m) ?? {}, ctx);
  } catch (error) {
    if (!controller.signal.aborted && error.name !== 'AbortError') main.append(errorNotice(error));
  } finally {
    if (!controller.signal.aborted) {
      root.removeAttribute('aria-busy');
      // Moving to a new view moves the focus to its heading, as a page load would.
      if (navigated && !main.contains(document.activeElement)) main.querySelector('h1')?.focus({ preventScroll: true });
    }
  }
}

async function start(target) {
  const jwt = api.token();
  app.claims = jwt ? api.decodeClaims(jwt) : null;
  app.me = null;
  if (app.claims) {
    scheduleRefresh();
    try {
      // A staff session's name is shown; an enrol-only token opens /v1/me* alone.
      if (app.claims.sid) app.me = await api.get('/v1/me');
      if (!app.claims.enrol_only) await loadReference();
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 401) return;
      document.getElementById('main').replaceChildren(errorNotice(error));
      return;
    }
  }
  if (target && location.hash !== target) location.hash = target;
  else route();
}

function init() {
  document.documentElement.lang = lang();
  applyLanguage(document);
  const toggle = document.getElementById('lang-toggle');
  const syncToggle = () => toggle.setAttribute('lang', lang() === 'id' ? 'en' : 'id');
  syncToggle();
  toggle.addEventListener('click', () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    syncToggle();
    document.title = `${t(app.titleKey, app.titleArgs)} · Sigap`;
    renderChrome();
  });
  document.getElementById('signout').addEventListener('click', signOut);
  document.querySelector('.skip').addEventListener('click', (e) => {
    e.preventDefault();
    const main = document.getElementById('main');
    main.focus();
  });
  // A view renewed the session (a changed password, confirmed TOTP): its new token may open more.
  document.addEventListener('sigap:session', () => {
    app.claims = api.decodeClaims(api.token());
    start(landing());
  });
  document.addEventListener('sigap:unauthorized', () => {
    if (!app.claims) return;
    window.clearTimeout(refreshTimer);
    app.me = null;
    api.clearToken();
    app.claims = null;
    sessionStorage.setItem('sigap.expired', '1');
    if (location.hash === '#/signin') route();
    else location.hash = '#/signin';
  });
  const config = api.get('config.json', { auth: false })
    .then((value) => {
      app.config = value ?? app.config;
    })
    .catch(() => {});
  // Every view speaks the API's vocabulary: nothing is shown without it.
  Promise.all([config, loadVocabulary()]).then(() => {
    window.addEventListener('hashchange', () => route(true));
    start();
  }, (error) => document.getElementById('main').replaceChildren(errorNotice(error)));
}

init();
