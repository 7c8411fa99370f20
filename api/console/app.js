// The Sigap console: sign-in, then one view per task of each role, routed by
// the URL fragment (#/intake, #/reports/<id>, #/cases, #/triage, #/stats,
// #/units, #/holidays). The views live in their own modules; this one holds the page's
// chrome, the routing and the start-up.
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
import { signInView } from './signin.js';
import { app, loadReference, loadVocabulary, role, unitName } from './state.js';
import { statsView } from './stats.js';
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
  nav.append(h('ul', {}, (NAV[role()] ?? []).map(([href, key]) => h('li', {},
    h('a', { href, i18n: key, 'aria-current': href === current ? 'page' : null })))));
  const place = app.claims.unit ? unitName(app.claims.unit) : app.claims.region ? regionText(app.claims.region) : null;
  who.append(h('span', { class: 'role', vocab: `role:${role()}` }));
  if (place) who.append(h('span', { class: 'place', text: ` · ${place}` }));
}

function signIn(jwt) {
  api.setToken(jwt);
  app.claims = api.decodeClaims(jwt);
  start(homeOf(app.claims?.role));
}

function signOut() {
  api.clearToken();
  app.claims = null;
  location.hash = '#/signin';
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
    if (!app.claims) {
      renderChrome();
      await signInView(main, signIn);
      return;
    }
    if (hash === '#/signin' || hash === '#/') {
      location.replace(homeOf(role()));
      return;
    }
    renderChrome();
    const found = ROUTES.map((r) => ({ r, m: hash.match(r.pattern) })).find((x) => x.m);
    if (!found) {
      location.replace(homeOf(role()));
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
  if (app.claims) {
    try {
      await loadReference();
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
  document.addEventListener('sigap:unauthorized', () => {
    if (!app.claims) return;
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
