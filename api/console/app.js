// The Sigap console: sign-in, then one view per task of each role, routed by
// the URL fragment (#/intake, #/reports/<id>, #/cases, #/triage, #/stats,
// #/units).
// Views keep themselves fresh by polling the API and stop when left.

import * as api from './api.js';
import { barChart, columnChart } from './charts.js';
import { gapLegend, gapMap } from './map.js';
import {
  announce, badge, checkbox, clearFieldErrors, field, h, notice, select, setFieldError,
} from './dom.js';
import {
  applyLanguage, formatDuration, formatNumber, formatPercent, formatTime, lang, setLang, t, vocab, vocabValues,
} from './i18n.js';

/** The statuses reachable from each status (the API's status machine). */
const ALLOWED = {
  received: ['assigned', 'needs_triage', 'cancelled', 'duplicate'],
  needs_triage: ['assigned', 'cancelled', 'duplicate'],
  assigned: ['acknowledged', 'assigned', 'needs_triage', 'cancelled', 'duplicate'],
  acknowledged: ['assessing', 'assigned', 'needs_triage', 'cancelled', 'duplicate'],
  assessing: ['in_service', 'assigned', 'needs_triage', 'cancelled', 'duplicate'],
  in_service: ['resolved', 'assigned', 'needs_triage', 'cancelled', 'duplicate'],
  resolved: ['closed'],
  closed: [],
  cancelled: [],
  duplicate: [],
};
const OPEN_AT_UNIT = ['assigned', 'acknowledged', 'assessing', 'in_service'];
const QUEUE_STATUSES = [...OPEN_AT_UNIT, 'resolved'];
const CONSOLE_ROLES = ['operator', 'supervisor', 'upt_staff', 'regional', 'admin'];
const LIVE_LIMIT = 20;
const LIVE_POLL_MS = 2000;

const app = {
  config: { dev: false },
  claims: null,
  categories: [],
  units: [],
  provinces: [],
  regencies: new Map(),
  regionNames: new Map(),
  stop: null,
  titleKey: 'app.title',
  titleArgs: {},
};

// ---------------------------------------------------------------- helpers

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = window.setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => {
    window.clearTimeout(timer);
    resolve();
  }, { once: true });
});

function role() {
  return app.claims?.role;
}

function unitName(code) {
  return app.units.find((u) => u.code === code)?.name ?? code;
}

function categoryLabels(code) {
  const c = app.categories.find((x) => x.code === code);
  return c ? [c.label_id, c.label_en] : [code, code];
}

function categoryOptions() {
  return app.categories.map((c) => ({ value: c.code, labels: [c.label_id, c.label_en] }));
}

function vocabOptions(kind) {
  return vocabValues(kind).map((v) => ({ value: v, vocab: `${kind}:${v}` }));
}

/** The regencies of a province, asked for once however many ask at once. */
function regenciesOf(province) {
  if (!app.regencies.has(province)) {
    const loading = api.all(`/v1/regions?parent=${encodeURIComponent(province)}&limit=500`).then((items) => {
      for (const r of items) app.regionNames.set(r.code, r.name);
      return items;
    });
    loading.catch(() => app.regencies.delete(province));
    app.regencies.set(province, loading);
  }
  return app.regencies.get(province);
}

/** A region's name (regency, province), filled in once it is known. */
function regionEl(code) {
  const el = h('span', { class: 'region', dataset: { region: code }, text: regionText(code) });
  if (code?.includes('.') && !app.regionNames.has(code)) {
    regenciesOf(code.slice(0, 2)).then(() => {
      for (const span of document.querySelectorAll(`[data-region="${code}"]`)) span.textContent = regionText(code);
    }).catch(() => {});
  }
  return el;
}

function regionText(code) {
  if (!code) return t('none');
  const province = app.regionNames.get(code.slice(0, 2));
  const own = app.regionNames.get(code);
  if (code.includes('.')) return own ? `${own}, ${province ?? code.slice(0, 2)}` : code;
  return province ?? code;
}

function setTitle(key, args = {}) {
  app.titleKey = key;
  app.titleArgs = args;
  document.title = `${t(key, args)} · Sigap`;
}

function problemText(error) {
  if (error instanceof api.NetworkError) return t('error.network');
  if (error instanceof api.ApiError) {
    const p = error.problem;
    return [p.title, p.detail].filter(Boolean).join(': ') || `HTTP ${error.status}`;
  }
  return String(error?.message ?? error);
}

function errorNotice(error) {
  if (error instanceof api.NetworkError) return notice('error', h('p', { i18n: 'error.network' }));
  if (error instanceof api.ApiError && error.status === 403) return notice('error', h('p', { i18n: 'error.forbidden' }));
  return notice('error', h('p', { i18n: 'error.generic', args: { detail: problemText(error) } }));
}

function pageHead(titleKey, args, introKey, ...extra) {
  setTitle(titleKey, args);
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', { i18n: titleKey, args, tabindex: '-1' }), introKey ? h('p', { class: 'lede', i18n: introKey }) : null),
    ...extra);
}

function liveIndicator() {
  return h('p', { class: 'live-indicator' }, h('span', { class: 'pulse', 'aria-hidden': 'true' }), h('span', { i18n: 'refreshing' }));
}

function mayWork(report) {
  return role() === 'supervisor' || (role() === 'upt_staff' && report.unit_code && report.unit_code === app.claims.unit);
}

/** Status changes the caller may ask for from a report's status. */
function nextStatuses(status) {
  return (ALLOWED[status] ?? [])
    .filter((s) => !['received', 'assigned', 'needs_triage'].includes(s))
    .filter((s) => role() === 'supervisor' || !['cancelled', 'duplicate'].includes(s));
}

// ---------------------------------------------------------------- chrome

const NAV = {
  operator: [['#/intake', 'nav.intake'], ['#/reports', 'nav.reports']],
  supervisor: [['#/triage', 'nav.triage'], ['#/intake', 'nav.intake'], ['#/reports', 'nav.reports'], ['#/stats', 'nav.stats'], ['#/units', 'nav.units']],
  upt_staff: [['#/cases', 'nav.cases']],
  regional: [['#/reports', 'nav.reports'], ['#/stats', 'nav.stats']],
  admin: [['#/units', 'nav.units']],
  integrator: [['#/units', 'nav.units']],
};

function homeOf(r) {
  return NAV[r]?.[0]?.[0] ?? '#/units';
}

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

// ---------------------------------------------------------------- sign-in

async function signInView(main) {
  setTitle('signin.title');
  const expired = sessionStorage.getItem('sigap.expired');
  sessionStorage.removeItem('sigap.expired');
  const tokenInput = h('textarea', { rows: '4', spellcheck: 'false', autocomplete: 'off', class: 'mono' });
  const tokenForm = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'signin-token-h' },
    h('h2', { id: 'signin-token-h', i18n: 'signin.submit' }),
    h('p', { i18n: 'signin.intro' }),
    field({ id: 'signin-token', label: 'signin.token', hint: 'signin.token.hint', control: tokenInput }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', i18n: 'signin.submit' })));
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(tokenForm);
    const value = tokenInput.value.trim();
    if (!value) {
      setFieldError(tokenInput, '', 'signin.empty');
      tokenInput.focus();
      return;
    }
    try {
      await api.get('/v1/categories', { bearer: value });
      signIn(value);
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 401) setFieldError(tokenInput, '', 'signin.invalid');
      else setFieldError(tokenInput, problemText(error));
      tokenInput.focus();
    }
  });

  const wrap = h('div', { class: 'signin' },
    h('div', { class: 'page-head' }, h('h1', { i18n: 'signin.title', tabindex: '-1' })),
    expired ? notice('error', h('p', { i18n: 'error.expired' })) : null);
  const grid = h('div', { class: 'signin-grid' });
  wrap.append(grid);
  main.append(wrap);
  if (app.config.dev) grid.append(await devSignIn());
  grid.append(tokenForm);
}

/** The role picker of a development server (`POST /v1/dev/token`). */
async function devSignIn() {
  const roleSelect = select('dev-role', CONSOLE_ROLES.map((r) => ({ value: r, vocab: `role:${r}` })), { placeholder: false });
  const unitSelect = h('select');
  const regionSelect = h('select');
  const unitField = field({ id: 'dev-unit', label: 'signin.dev.unit', control: unitSelect, required: true });
  const regionField = field({ id: 'dev-region', label: 'signin.dev.region', control: regionSelect, required: true });
  const message = h('div');
  const form = h('form', { class: 'card stack dev', novalidate: true, 'aria-labelledby': 'signin-dev-h' },
    h('h2', { id: 'signin-dev-h', i18n: 'signin.dev.title' }),
    h('p', { i18n: 'signin.dev.intro' }),
    field({ id: 'dev-role', label: 'signin.dev.role', control: roleSelect }),
    unitField, regionField, message,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', i18n: 'signin.dev.submit' })));
  const sync = () => {
    unitField.hidden = roleSelect.value !== 'upt_staff';
    regionField.hidden = roleSelect.value !== 'regional';
  };
  roleSelect.addEventListener('change', sync);
  sync();
  try {
    // Reference data needs a token: a throwaway operator token reads it.
    const { data } = await api.post('/v1/dev/token', { role: 'operator' }, { auth: false });
    const [units, provinces] = await Promise.all([
      api.all('/v1/units?limit=500', { bearer: data.access_token }),
      api.all('/v1/regions?level=province&limit=500', { bearer: data.access_token }),
    ]);
    for (const u of units) unitSelect.append(h('option', { value: u.code, text: u.name }));
    for (const p of provinces) regionSelect.append(h('option', { value: p.code, text: `${p.name} (${p.code})` }));
    unitSelect.value = units.some((u) => u.code === 'SENTRA-MULYA-JAYA') ? 'SENTRA-MULYA-JAYA' : units[0]?.code ?? '';
  } catch (error) {
    message.replaceChildren(errorNotice(error));
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const body = { role: roleSelect.value };
    if (body.role === 'upt_staff') body.unit = unitSelect.value;
    if (body.role === 'regional') body.region = regionSelect.value;
    try {
      const { data } = await api.post('/v1/dev/token', body, { auth: false });
      signIn(data.access_token);
    } catch (error) {
      const errors = error instanceof api.ApiError ? error.fieldErrors : [];
      for (const { field: name, message: text } of errors) {
        setFieldError({ unit: unitSelect, region: regionSelect }[name] ?? roleSelect, text);
      }
      if (!errors.length) message.replaceChildren(errorNotice(error));
    }
  });
  return form;
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

// ---------------------------------------------------------------- operator: intake

const FIELD_LABELS = {
  'f-province': 'field.province', 'f-regency': 'field.regency', 'f-address': 'field.address',
  'f-lat': 'field.lat', 'f-lon': 'field.lon', 'f-category': 'field.category', 'f-need': 'field.need',
  'f-urgency': 'field.urgency', 'f-channel': 'field.channel', 'f-description': 'field.description',
  'f-reporter-name': 'field.reporter.name', 'f-reporter-phone': 'field.reporter.phone',
  'f-beneficiary-count': 'field.beneficiary_count',
};

async function intakeView(main, _params, ctx) {
  const head = pageHead('intake.title', {}, 'intake.intro');
  const province = select('f-province', app.provinces.map((p) => ({ value: p.code, text: p.name })));
  const regency = select('f-regency', [], { placeholder: false });
  regency.disabled = true;
  const address = h('input', { type: 'text', autocomplete: 'off', maxlength: '500' });
  const lat = h('input', { type: 'number', step: 'any', min: '-11', max: '6', inputmode: 'decimal' });
  const lon = h('input', { type: 'number', step: 'any', min: '95', max: '141.5', inputmode: 'decimal' });
  const category = select('f-category', categoryOptions());
  const need = select('f-need', vocabOptions('need'));
  const urgency = select('f-urgency', vocabOptions('urgency'));
  const channel = select('f-channel', vocabOptions('channel').filter((o) => !['partner_api', 'open311'].includes(o.value)), { value: 'hotline' });
  const description = h('textarea', { rows: '4', maxlength: '5000' });
  const reporterName = h('input', { type: 'text', autocomplete: 'off', maxlength: '200' });
  const reporterPhone = h('input', { type: 'tel', autocomplete: 'off', inputmode: 'tel' });
  const anonymous = checkbox({ id: 'f-reporter-anonymous', label: 'field.reporter.anonymous' });
  const anonymousBox = anonymous.querySelector('input');
  const count = h('input', { type: 'number', min: '1', max: '100000', step: '1', inputmode: 'numeric' });
  const rows = h('div', { class: 'beneficiaries' });
  const emptyRows = h('p', { class: 'hint', i18n: 'field.b.empty' });
  const addRow = h('button', { type: 'button', class: 'secondary', i18n: 'field.b.add' });
  const submit = h('button', { type: 'submit', class: 'primary', i18n: 'intake.submit' });
  const summary = h('div', { class: 'summary-slot' });
  const filedSlot = h('div', { class: 'filed-slot' });

  const form = h('form', { class: 'intake-form', novalidate: true, 'aria-labelledby': 'intake-form-h' },
    h('h2', { id: 'intake-form-h', class: 'visually-hidden', i18n: 'intake.title' }),
    summary,
    h('fieldset', {}, h('legend', { i18n: 'intake.location' }),
      h('div', { class: 'grid-2' },
        field({ id: 'f-province', label: 'field.province', control: province, required: true }),
        field({ id: 'f-regency', label: 'field.regency', control: regency })),
      field({ id: 'f-address', label: 'field.address', hint: 'field.address.hint', control: address }),
      h('div', { class: 'grid-2' },
        field({ id: 'f-lat', label: 'field.lat', control: lat }),
        field({ id: 'f-lon', label: 'field.lon', control: lon })),
      h('p', { class: 'hint below', id: 'f-coords-hint', i18n: 'field.coords.hint' })),
    h('fieldset', {}, h('legend', { i18n: 'intake.case' }),
      field({ id: 'f-category', label: 'field.category', control: category, required: true }),
      h('div', { class: 'grid-3' },
        field({ id: 'f-need', label: 'field.need', control: need, required: true }),
        field({ id: 'f-urgency', label: 'field.urgency', control: urgency, required: true }),
        field({ id: 'f-channel', label: 'field.channel', control: channel, required: true })),
      field({ id: 'f-description', label: 'field.description', hint: 'field.description.hint', control: description, required: true })),
    h('fieldset', {}, h('legend', { i18n: 'intake.reporter' }),
      h('div', { class: 'grid-2' },
        field({ id: 'f-reporter-name', label: 'field.reporter.name', control: reporterName }),
        field({ id: 'f-reporter-phone', label: 'field.reporter.phone', hint: 'field.reporter.phone.hint', control: reporterPhone })),
      anonymous),
    h('fieldset', {}, h('legend', { i18n: 'intake.beneficiaries' }),
      emptyRows, rows,
      h('div', { class: 'actions start' }, addRow),
      field({ id: 'f-beneficiary-count', label: 'field.beneficiary_count', hint: 'field.beneficiary_count.hint', control: count, className: 'narrow' })),
    h('div', { class: 'actions' }, submit));

  const live = liveList(ctx, { onUpdate: (r) => filed?.update(r) });
  main.append(head, h('div', { class: 'intake-layout' },
    h('section', { class: 'card', 'aria-label': t('intake.title'), dataset: { i18nAttr: 'aria-label=intake.title' } }, filedSlot, form),
    h('section', { class: 'card live-card', 'aria-labelledby': 'live-h' },
      h('div', { class: 'card-head' }, h('h2', { id: 'live-h', i18n: 'live.title' }), liveIndicator()),
      live.element)));

  lat.setAttribute('aria-describedby', 'f-coords-hint');
  lon.setAttribute('aria-describedby', 'f-coords-hint');
  province.addEventListener('change', async () => {
    regency.replaceChildren(h('option', { value: '', i18n: 'field.regency.whole' }));
    regency.disabled = !province.value;
    const chosen = province.value;
    if (!chosen) return;
    let items;
    try {
      items = await regenciesOf(chosen);
    } catch (error) {
      summary.replaceChildren(errorNotice(error));
      return;
    }
    if (province.value !== chosen) return;
    for (const r of items) regency.append(h('option', { value: r.code, text: r.name }));
  });
  regency.append(h('option', { value: '', i18n: 'field.regency.whole' }));
  anonymousBox.addEventListener('change', () => {
    reporterName.disabled = anonymousBox.checked;
    reporterPhone.disabled = anonymousBox.checked;
  });

  /** Beneficiary rows, each with its four fields. */
  const beneficiaryRows = [];
  function renumber() {
    beneficiaryRows.forEach((row, i) => {
      const n = i + 1;
      const legend = row.element.querySelector('legend');
      legend.dataset.i18nArgs = JSON.stringify({ n });
      legend.textContent = t('field.b.row', { n });
      row.remove.dataset.i18nArgs = JSON.stringify({ n });
      row.remove.setAttribute('aria-label', t('field.b.remove.label', { n }));
    });
    emptyRows.hidden = beneficiaryRows.length > 0;
  }
  let rowSerial = 0;
  addRow.addEventListener('click', () => {
    const id = `f-b${++rowSerial}`;
    const controls = {
      name: h('input', { type: 'text', autocomplete: 'off', maxlength: '200' }),
      age: h('input', { type: 'number', min: '0', max: '130', step: '1', inputmode: 'numeric' }),
      sex: select(`${id}-sex`, vocabOptions('sex')),
      disability: h('input', { type: 'text', autocomplete: 'off', maxlength: '100' }),
    };
    const remove = h('button', { type: 'button', class: 'link danger', i18n: 'field.b.remove', attrs: { 'aria-label': 'field.b.remove.label' }, args: { n: 1 } });
    const element = h('fieldset', { class: 'beneficiary' }, h('legend', { i18n: 'field.b.row', args: { n: 1 } }),
      h('div', { class: 'grid-4' },
        field({ id: `${id}-name`, label: 'field.b.name', control: controls.name }),
        field({ id: `${id}-age`, label: 'field.b.age', control: controls.age }),
        field({ id: `${id}-sex`, label: 'field.b.sex', control: controls.sex }),
        field({ id: `${id}-disability`, label: 'field.b.disability', control: controls.disability })),
      h('div', { class: 'actions start' }, remove));
    const row = { element, controls, remove };
    remove.addEventListener('click', () => {
      beneficiaryRows.splice(beneficiaryRows.indexOf(row), 1);
      element.remove();
      renumber();
      addRow.focus();
    });
    beneficiaryRows.push(row);
    rows.append(element);
    renumber();
    controls.name.focus();
  });
  renumber();

  /** The body of the report, and which row each listed beneficiary came from. */
  function payload() {
    const body = {};
    const set = (key, value) => {
      if (value !== '' && value !== undefined && value !== null) body[key] = value;
    };
    set('category', category.value);
    set('need', need.value);
    set('urgency', urgency.value);
    set('channel', channel.value);
    set('region_code', regency.value || province.value);
    set('address', address.value.trim());
    if (lat.value !== '' || lon.value !== '') {
      body.location = {};
      if (lat.value !== '') body.location.lat = Number(lat.value);
      if (lon.value !== '') body.location.lon = Number(lon.value);
    }
    const reporter = { anonymous: anonymousBox.checked };
    if (!anonymousBox.checked) {
      if (reporterName.value.trim()) reporter.name = reporterName.value.trim();
      if (reporterPhone.value.trim()) reporter.phone = reporterPhone.value.trim();
    }
    body.reporter = reporter;
    const sent = [];
    const beneficiaries = [];
    for (const row of beneficiaryRows) {
      const b = {};
      const { name, age, sex, disability } = row.controls;
      if (name.value.trim()) b.name = name.value.trim();
      if (age.value !== '') b.age = Number(age.value);
      if (sex.value) b.sex = sex.value;
      if (disability.value.trim()) b.disability = disability.value.trim();
      if (Object.keys(b).length) {
        beneficiaries.push(b);
        sent.push(row);
      }
    }
    if (beneficiaries.length) body.beneficiaries = beneficiaries;
    if (count.value !== '') body.beneficiary_count = Number(count.value);
    set('description', description.value.trim());
    return { body, sent };
  }

  /** The control an API field path names, and how to call it in the summary. */
  function controlFor(path, sent) {
    const simple = {
      category, need, urgency, channel, address, description,
      region_code: regency.value ? regency : province,
      'location.lat': lat, 'location.lon': lon, location: lat,
      'reporter.name': reporterName, 'reporter.phone': reporterPhone, reporter: reporterName,
      beneficiary_count: count,
    }[path];
    if (simple) return { control: simple, label: [[FIELD_LABELS[simple.id]]] };
    const m = path.match(/^beneficiaries\[(\d+)\](?:\.(\w+))?$/);
    if (m && sent[Number(m[1])]) {
      const row = sent[Number(m[1])];
      const n = beneficiaryRows.indexOf(row) + 1;
      const key = m[2] && row.controls[m[2]] ? m[2] : 'name';
      return { control: row.controls[key], label: [['field.b.row', { n }], [`field.b.${key}`]] };
    }
    return { control: null, label: [] };
  }

  function showErrors(errors, sent) {
    const items = [];
    let first = null;
    for (const { field: path, message: text } of errors) {
      const { control, label } = controlFor(path, sent);
      if (control) {
        setFieldError(control, text);
        first ??= control;
      }
      const labelEls = label.length
        ? label.flatMap(([key, args], i) => [i ? ' — ' : '', h('span', { i18n: key, args })])
        : [h('span', { text: path || '—' })];
      const target = control ? h('a', { href: `#${control.id}`, on: { click: (e) => { e.preventDefault(); control.focus(); } } }, ...labelEls)
        : h('span', {}, ...labelEls);
      items.push(h('li', {}, target, ': ', h('span', { message: text })));
    }
    const box = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'error-summary-h' },
      h('h2', { id: 'error-summary-h', i18n: 'intake.errors.title' }),
      h('p', { i18n: 'intake.errors.count', args: { n: errors.length } }),
      h('ul', {}, items));
    summary.replaceChildren(box);
    box.focus();
    return first;
  }

  let idempotency = { key: null, body: null };
  let sending = false;
  let filed = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (sending) return;
    const { body, sent } = payload();
    const text = JSON.stringify(body);
    // The same content keeps its key, so a repeated click or a retry after a
    // lost answer files the report once; changed content is a new report.
    if (text !== idempotency.body) idempotency = { key: api.newKey(), body: text };
    sending = true;
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    submit.dataset.i18n = 'intake.sending';
    submit.textContent = t('intake.sending');
    clearFieldErrors(form);
    summary.replaceChildren();
    try {
      const { data } = await api.post('/v1/reports', text, { headers: { 'Idempotency-Key': idempotency.key } });
      idempotency = { key: null, body: null };
      filed = filedPanel(data);
      filedSlot.replaceChildren(filed.element);
      const seen = live.current(data.id);
      if (seen) filed.update(seen);
      form.reset();
      for (const row of [...beneficiaryRows]) row.remove.click();
      channel.value = 'hotline';
      regency.replaceChildren(h('option', { value: '', i18n: 'field.regency.whole' }));
      regency.disabled = true;
      reporterName.disabled = false;
      reporterPhone.disabled = false;
      filed.element.focus();
      announce(t('intake.filed.announce', { ticket: data.ticket }));
      live.refresh();
    } catch (error) {
      if (error instanceof api.ApiError && error.fieldErrors.length) {
        showErrors(error.fieldErrors, sent);
      } else if (error instanceof api.ApiError && error.status === 409) {
        summary.replaceChildren(notice('error', h('p', { i18n: 'intake.inflight' })));
      } else {
        if (error instanceof api.ApiError && error.problem.type === '/problems/idempotency-key-reused') {
          idempotency = { key: null, body: null };
        }
        summary.replaceChildren(errorNotice(error));
      }
    } finally {
      sending = false;
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
      submit.dataset.i18n = 'intake.submit';
      submit.textContent = t('intake.submit');
    }
  });
}

/** The ticket of a report just filed; follows its status from the live list. */
function filedPanel(filed) {
  const status = h('dd', {}, badge('status', filed.status));
  const unit = h('dd', { text: t('none') });
  const element = h('section', { class: 'filed', tabindex: '-1', 'aria-labelledby': 'filed-h', dataset: { id: filed.id, status: filed.status } },
    h('h2', { id: 'filed-h', i18n: 'intake.filed.title' }),
    h('dl', { class: 'filed-facts' },
      h('div', {}, h('dt', { i18n: 'intake.filed.ticket' }), h('dd', { class: 'ticket', text: filed.ticket })),
      h('div', {}, h('dt', { i18n: 'intake.filed.status' }), status),
      h('div', {}, h('dt', { i18n: 'intake.filed.unit' }), unit)),
    // A region code the coordinates disagree with: kept, but worth a look.
    filed.warnings?.length ? h('div', { class: 'notice notice-warning', role: 'status' },
      h('p', { i18n: 'intake.filed.warnings' }),
      h('ul', {}, filed.warnings.map((w) => h('li', { text: w.message })))) : null,
    h('a', { href: `#/reports/${filed.id}`, class: 'button secondary', i18n: 'intake.filed.open' }));
  return {
    element,
    update(report) {
      if (report.id !== filed.id || element.dataset.status === report.status) return;
      element.dataset.status = report.status;
      status.replaceChildren(badge('status', report.status));
      unit.textContent = report.unit_code ? unitName(report.unit_code) : t('none');
      if (report.status === 'assigned' && report.unit_code) {
        announce(t('intake.filed.assigned', { ticket: report.ticket, unit: unitName(report.unit_code) }));
      }
    },
  };
}

// ---------------------------------------------------------------- live list

/**
 * The newest reports, kept fresh: every 2 s it asks for what changed since
 * the last answer (`updated_since`, with an overlap for transactions that
 * committed late), or with a status filter the whole filtered list.
 */
function liveList(ctx, { status = '', limit = LIVE_LIMIT, onUpdate } = {}) {
  const list = h('ol', { class: 'report-list' });
  const empty = h('p', { class: 'empty', i18n: 'live.empty', hidden: true });
  const error = h('div');
  const items = new Map();
  let since = null;
  let filter = status;
  let timer = null;
  let running = false;

  function render(report) {
    return h('li', { class: 'report-item', dataset: { id: report.id, status: report.status } },
      h('div', { class: 'ri-top' },
        h('a', { class: 'ticket', href: `#/reports/${report.id}`, text: report.ticket }),
        badge('urgency', report.urgency),
        h('time', { class: 'muted', time: report.created_at })),
      h('div', { class: 'ri-meta' }, h('span', { labels: categoryLabels(report.category) }), ' · ', regionEl(report.region_code)),
      h('div', { class: 'ri-status' }, badge('status', report.status),
        report.unit_code ? h('span', { class: 'unit', text: unitName(report.unit_code) }) : null));
  }

  function upsert(report) {
    const known = items.get(report.id);
    if (known && known.report.updated_at === report.updated_at) return;
    const element = render(report);
    if (known) known.element.replaceWith(element);
    items.set(report.id, { report, element });
    onUpdate?.(report);
  }

  function arrange() {
    const sorted = [...items.values()].sort((a, b) => (a.report.created_at < b.report.created_at ? 1 : -1));
    for (const gone of sorted.slice(limit)) {
      gone.element.remove();
      items.delete(gone.report.id);
    }
    sorted.slice(0, limit).forEach(({ element }, i) => {
      if (list.children[i] !== element) list.insertBefore(element, list.children[i] ?? null);
    });
    empty.hidden = items.size > 0;
  }

  async function poll() {
    const params = new URLSearchParams({ limit: String(since === null || filter ? limit : 100) });
    if (filter) params.set('status', filter);
    if (since !== null && !filter) params.set('updated_since', new Date(since - 3000).toISOString());
    const page = await api.get(`/v1/reports?${params}`, { signal: ctx.signal });
    if (filter) {
      const keep = new Set(page.items.map((r) => r.id));
      for (const [id, item] of items) {
        if (!keep.has(id)) {
          item.element.remove();
          items.delete(id);
        }
      }
    }
    for (const report of page.items) {
      upsert(report);
      since = Math.max(since ?? 0, new Date(report.updated_at).getTime());
    }
    arrange();
    error.replaceChildren();
  }

  async function loop() {
    if (running || ctx.signal.aborted) return;
    running = true;
    window.clearTimeout(timer);
    try {
      await poll();
    } catch (e) {
      if (e.name !== 'AbortError') error.replaceChildren(errorNotice(e));
    } finally {
      running = false;
      if (!ctx.signal.aborted) timer = window.setTimeout(loop, LIVE_POLL_MS);
    }
  }
  ctx.onStop(() => window.clearTimeout(timer));
  loop();
  return {
    element: h('div', { class: 'live' }, error, list, empty),
    refresh: () => {
      if (!running) loop();
    },
    current: (id) => items.get(id)?.report,
    setFilter(value) {
      filter = value;
      since = null;
      for (const item of items.values()) item.element.remove();
      items.clear();
      loop();
    },
  };
}

function reportsView(main, _params, ctx) {
  const statusFilter = select('live-status', vocabOptions('status'), { placeholder: false });
  statusFilter.prepend(h('option', { value: '', i18n: 'live.filter.all' }));
  statusFilter.value = '';
  const live = liveList(ctx, { limit: 50 });
  statusFilter.addEventListener('change', () => live.setFilter(statusFilter.value));
  main.append(pageHead('reports.title', {}, null, liveIndicator()),
    h('section', { class: 'card', 'aria-labelledby': 'reports-h' },
      h('div', { class: 'card-head' }, h('h2', { id: 'reports-h', i18n: 'live.title' }),
        field({ id: 'live-status', label: 'live.filter.status', control: statusFilter, className: 'inline' })),
      live.element));
}

// ---------------------------------------------------------------- case actions

/**
 * Buttons for the next statuses of a case. Sends `If-Match` with the version
 * shown; on 409 offers the statuses the API allows now, on 412 reloads.
 */
function statusActions(report, { onChanged, onStale, primaryOnly = false, messages }) {
  const box = h('div', { class: 'status-actions' });
  // The message may live outside the box, so that it outlasts the redraw a
  // reload brings.
  const message = messages ?? h('div', { class: 'action-message' });
  const buttons = h('div', { class: 'actions start' });
  box.append(buttons);
  if (!messages) box.append(message);

  async function change(to) {
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    message.replaceChildren();
    try {
      const { data } = await api.post(`/v1/reports/${report.id}/status`, { status: to }, { headers: { 'If-Match': `"${report.version}"` } });
      announce(t('case.status.done', { ticket: data.ticket, status: vocab('status', data.status) }));
      onChanged(data);
    } catch (error) {
      for (const b of box.querySelectorAll('button')) b.disabled = false;
      if (error instanceof api.ApiError && error.status === 409 && Array.isArray(error.problem.allowed)) {
        const allowed = error.problem.allowed
          .filter((s) => !['received', 'assigned', 'needs_triage'].includes(s))
          .filter((s) => role() === 'supervisor' || !['cancelled', 'duplicate'].includes(s));
        message.replaceChildren(notice('error',
          h('p', { i18n: allowed.length ? 'case.status.conflict' : 'case.status.conflict.none' }),
          allowed.length ? h('div', { class: 'actions start' }, allowed.map((s) => h('button', {
            type: 'button', class: 'secondary', vocab: `action:${s}`, dataset: { status: s }, on: { click: () => change(s) },
          }))) : null));
      } else if (error instanceof api.ApiError && error.status === 412) {
        message.replaceChildren(notice('info', h('p', { i18n: 'case.status.stale' })));
        onStale();
      } else {
        message.replaceChildren(errorNotice(error));
      }
    }
  }

  const choices = nextStatuses(report.status);
  const shown = primaryOnly ? choices.filter((s) => !['cancelled', 'duplicate'].includes(s)) : choices;
  shown.forEach((s, i) => buttons.append(h('button', {
    type: 'button',
    class: i === 0 && !['cancelled', 'duplicate'].includes(s) ? 'primary' : ['cancelled', 'duplicate'].includes(s) ? 'secondary danger' : 'secondary',
    vocab: `action:${s}`,
    dataset: { status: s },
    on: { click: () => change(s) },
  })));
  if (!shown.length) buttons.append(h('p', { class: 'muted', i18n: 'case.actions.none' }));
  return { element: box };
}

/** Note and transfer forms for a case. */
function caseForms(report, { onDone, idPrefix }) {
  const forms = h('div', { class: 'case-forms' });
  const noteText = h('textarea', { rows: '2', maxlength: '2000' });
  const noteForm = h('form', { class: 'stack', novalidate: true },
    field({ id: `${idPrefix}-note`, label: 'case.note', control: noteText, required: true }),
    h('div', { class: 'actions start' }, h('button', { type: 'submit', class: 'secondary', i18n: 'case.note.add' })));
  const noteMessage = h('div');
  noteForm.append(noteMessage);
  noteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(noteForm);
    noteMessage.replaceChildren();
    try {
      await api.post(`/v1/reports/${report.id}/notes`, { note: noteText.value });
      noteText.value = '';
      noteMessage.replaceChildren(notice('success', h('p', { i18n: 'case.note.added' })));
      announce(t('case.note.added'));
      onDone();
    } catch (error) {
      if (error instanceof api.ApiError && error.fieldErrors.length) {
        for (const fe of error.fieldErrors) setFieldError(noteText, fe.message);
      } else noteMessage.replaceChildren(errorNotice(error));
    }
  });
  forms.append(noteForm);

  if (mayWork(report) && OPEN_AT_UNIT.includes(report.status)) {
    const unit = select(`${idPrefix}-transfer-unit`, app.units.filter((u) => u.active && u.code !== report.unit_code)
      .map((u) => ({ value: u.code, text: u.name })), { placeholder: false });
    unit.prepend(h('option', { value: '', i18n: 'case.transfer.auto' }));
    unit.value = '';
    const reason = h('textarea', { rows: '2', maxlength: '2000' });
    const message = h('div');
    const transferForm = h('form', { class: 'stack transfer', novalidate: true },
      h('h3', { i18n: 'case.transfer' }),
      field({ id: `${idPrefix}-transfer-unit`, label: 'case.transfer.unit', control: unit }),
      field({ id: `${idPrefix}-transfer-reason`, label: 'case.transfer.reason', control: reason, required: true }),
      h('div', { class: 'actions start' }, h('button', { type: 'submit', class: 'secondary', i18n: 'case.transfer.submit' })),
      message);
    transferForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(transferForm);
      message.replaceChildren();
      const body = { reason: reason.value };
      if (unit.value) body.unit_code = unit.value;
      try {
        const { data } = await api.post(`/v1/reports/${report.id}/transfer`, body);
        announce(t('case.transfer.done'));
        onDone(data);
      } catch (error) {
        if (error instanceof api.ApiError && error.fieldErrors.length) {
          for (const fe of error.fieldErrors) setFieldError(fe.field === 'unit_code' ? unit : reason, fe.message);
        } else message.replaceChildren(errorNotice(error));
      }
    });
    forms.append(transferForm);
  }
  return forms;
}

// ---------------------------------------------------------------- case page

async function caseView(main, { id }, ctx) {
  let report;
  try {
    report = await api.get(`/v1/reports/${id}`, { signal: ctx.signal });
  } catch (error) {
    setTitle('case.title', { ticket: '' });
    if (error instanceof api.ApiError && error.status === 404) main.append(notice('error', h('p', { i18n: 'error.notfound' })));
    else throw error;
    return;
  }
  const headBadges = h('div', { class: 'badges' });
  const details = h('div');
  const people = h('div');
  const routing = h('div');
  const timeline = h('div');
  const actions = h('div');
  const actionMessages = h('div', { class: 'action-message' });
  let formsFor = null;
  const forms = h('div');

  const head = pageHead('case.title', { ticket: report.ticket }, null, headBadges);
  main.append(
    h('p', { class: 'back' }, h('a', { href: homeOf(role()), i18n: 'case.back' })),
    head,
    h('div', { class: 'case-layout' },
      h('div', { class: 'case-main' },
        h('section', { class: 'card', 'aria-labelledby': 'details-h' }, h('h2', { id: 'details-h', i18n: 'case.details' }), details),
        h('section', { class: 'card', 'aria-labelledby': 'people-h' }, h('h2', { id: 'people-h', i18n: 'case.reporter' }), people),
        h('section', { class: 'card', 'aria-labelledby': 'routing-h' }, h('h2', { id: 'routing-h', i18n: 'case.routing' }), routing)),
      h('div', { class: 'case-side' },
        h('section', { class: 'card', 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h', i18n: 'case.actions' }), actions, actionMessages, forms),
        h('section', { class: 'card', 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h', i18n: 'case.timeline' }), timeline))));

  async function reload() {
    try {
      const next = await api.get(`/v1/reports/${id}`, { signal: ctx.signal });
      if (next.updated_at !== report.updated_at || next.events?.length !== report.events?.length) {
        report = next;
        draw();
      }
    } catch (error) {
      if (error.name !== 'AbortError') actions.replaceChildren(errorNotice(error));
    }
  }

  function draw() {
    headBadges.replaceChildren(badge('status', report.status), badge('urgency', report.urgency));
    main.dataset.status = report.status;
    details.replaceChildren(detailList(report));
    people.replaceChildren(peopleBlock(report));
    routing.replaceChildren(routingBlock(report));
    timeline.replaceChildren(timelineBlock(report));
    const canAct = mayWork(report);
    const actionParts = [];
    if (canAct) {
      actionParts.push(h('h3', { i18n: 'case.actions.status' }),
        statusActions(report, { messages: actionMessages, onChanged: () => reload(), onStale: () => reload() }).element);
    }
    if (role() === 'supervisor' && ['needs_triage', 'received'].includes(report.status)) {
      actionParts.push(assignForm(report, { idPrefix: 'case', onAssigned: () => reload() }));
    }
    actions.replaceChildren(...actionParts);
    // The forms keep what is typed in them while the case is refreshed; they
    // are rebuilt only when what they offer changes.
    const formKey = `${report.status}|${report.unit_code}`;
    if (!['regional', 'admin'].includes(role()) && formKey !== formsFor) {
      formsFor = formKey;
      forms.replaceChildren(caseForms(report, { idPrefix: 'case', onDone: () => reload() }));
    }
    if (!actionParts.length && forms.childElementCount === 0) actions.replaceChildren(h('p', { class: 'muted', i18n: 'case.actions.none' }));
  }
  draw();
  const timer = window.setInterval(reload, 3000);
  // Numbers and sentences built from several labels are drawn again in the
  // new language.
  document.addEventListener('sigap:language', draw);
  ctx.onStop(() => {
    window.clearInterval(timer);
    document.removeEventListener('sigap:language', draw);
  });
}

function fact(key, ...value) {
  return h('div', { class: 'fact' }, h('dt', { i18n: key }), h('dd', {}, ...value));
}

function detailList(r) {
  const dl = h('dl', { class: 'facts' },
    fact('case.category', h('span', { labels: categoryLabels(r.category) })),
    fact('case.need', h('span', { vocab: `need:${r.need}` })),
    fact('case.urgency', badge('urgency', r.urgency)),
    fact('case.channel', h('span', { vocab: `channel:${r.channel}` })),
    fact('case.region', regionEl(r.region_code)),
    fact('case.address', r.address ? h('span', { text: r.address }) : h('span', { i18n: 'none' })),
    fact('case.location', r.location ? h('span', { class: 'mono', text: `${r.location.lat}, ${r.location.lon}` }) : h('span', { i18n: 'none' })),
    fact('case.unit', r.unit_code ? h('span', { class: 'unit', text: unitName(r.unit_code) }) : h('span', { i18n: 'none' })),
    fact('case.sla', r.sla_due_at ? h('time', { time: r.sla_due_at }) : h('span', { i18n: 'none' })),
    fact('case.created', h('time', { time: r.created_at })),
    fact('case.updated', h('time', { time: r.updated_at })));
  if (r.escalation_level) dl.append(fact('case.escalation', String(r.escalation_level)));
  if (r.triage_reason) dl.append(fact('case.triage_reason', h('span', { text: r.triage_reason })));
  if (r.previous_units?.length) dl.append(fact('case.previous_units', r.previous_units.map(unitName).join(', ')));
  return h('div', {}, dl, h('h3', { i18n: 'case.description' }), h('p', { class: 'description', text: r.description }));
}

function peopleBlock(r) {
  const parts = [];
  if (r.reporter) {
    const rep = r.reporter;
    parts.push(rep.anonymous
      ? h('p', { i18n: 'case.reporter.anonymous' })
      : h('dl', { class: 'facts' },
        fact('field.reporter.name', h('span', { text: rep.name ?? t('none') })),
        fact('field.reporter.phone', h('span', { class: 'mono', text: rep.phone ?? t('none') }))));
  } else {
    parts.push(h('p', { class: 'muted', i18n: 'case.personal.hidden' }));
  }
  const list = Array.isArray(r.beneficiaries) ? r.beneficiaries : [];
  parts.push(h('h3', { i18n: 'case.beneficiaries', args: { n: r.beneficiary_count } }));
  if (!list.length) parts.push(h('p', { class: 'muted', i18n: 'case.beneficiaries.none' }));
  else {
    parts.push(h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['field.b.name', 'field.b.age', 'field.b.sex', 'field.b.disability'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, list.map((b) => h('tr', {},
        h('td', { text: b.name ?? t('none') }),
        h('td', { text: b.age ?? t('none') }),
        b.sex ? h('td', { vocab: `sex:${b.sex}` }) : h('td', { text: t('none') }),
        h('td', { text: b.disability ?? t('none') })))))));
  }
  return h('div', {}, parts);
}

/** The latest routing decision and the units the router weighed. */
function routingBlock(r) {
  const events = (r.events ?? []).filter((e) => e.details && ['assigned', 'needs_triage', 'transferred', 'escalated'].includes(e.kind));
  const last = events.at(-1);
  if (!last) return h('p', { class: 'muted', i18n: 'case.routing.none' });
  const d = last.details;
  const parts = [];
  if (d.manual) parts.push(h('p', { i18n: 'case.routing.manual', args: { by: d.by ?? last.actor } }));
  if (last.kind === 'transferred' && d.from_unit) {
    parts.push(h('p', { i18n: 'case.routing.transfer', args: { from: unitName(d.from_unit), reason: d.reason ?? '' } }));
  }
  const decision = d.candidates ? d : d.decision;
  if (decision) {
    parts.push(h('p', { class: 'reason', text: decision.reason }));
    if (decision.rule_id !== null && decision.rule_id !== undefined) {
      parts.push(h('p', { class: 'muted', i18n: 'case.routing.rule', args: { rule: decision.rule_id, level: vocab('level', decision.level), km: formatNumber(decision.distance_km, 1) } }));
    }
    if (decision.over_capacity) parts.push(h('p', { i18n: 'case.routing.over' }));
    if (decision.candidates?.length) {
      const table = (candidates) => h('div', { class: 'table-wrap' }, h('table', { class: 'candidates' },
        h('caption', { class: 'visually-hidden', i18n: 'cand.caption' }),
        h('thead', {}, h('tr', {}, ['cand.unit', 'cand.level', 'cand.priority', 'cand.distance', 'cand.load', 'cand.result'].map((k) => h('th', { scope: 'col', i18n: k })))),
        h('tbody', {}, candidates.map((c) => h('tr', { class: c.rejected_because ? '' : 'winner' },
          h('th', { scope: 'row', text: unitName(c.unit_code) }),
          h('td', { vocab: `level:${c.level}` }),
          h('td', { text: String(c.priority) }),
          h('td', { class: 'num', text: c.distance_km === null ? '∞' : formatNumber(c.distance_km, 1) }),
          h('td', { class: 'num', text: `${c.load} / ${c.capacity}` }),
          c.rejected_because ? h('td', { class: 'muted', text: c.rejected_because }) : h('td', { class: 'win', i18n: 'cand.winner' }))))));
      // The winner and the closest runners-up; the rest on request.
      const shown = 5;
      parts.push(table(decision.candidates.slice(0, shown)));
      if (decision.candidates.length > shown) {
        parts.push(h('details', { class: 'more-candidates' },
          h('summary', { i18n: 'cand.more', args: { n: decision.candidates.length - shown } }),
          table(decision.candidates.slice(shown))));
      }
    }
  }
  return h('div', {}, parts);
}

function timelineBlock(r) {
  const events = [...(r.events ?? [])].reverse();
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', { class: `event event-${e.kind}` },
    h('div', { class: 'event-head' },
      h('span', { class: 'event-kind', vocab: `event:${e.kind}` }),
      h('time', { class: 'muted', time: e.created_at })),
    e.from_status && e.to_status && e.from_status !== e.to_status
      ? h('p', { class: 'event-change' }, badge('status', e.from_status), ' → ', badge('status', e.to_status))
      : null,
    e.unit_code && ['assigned', 'transferred', 'escalated'].includes(e.kind) ? h('p', { class: 'unit', text: unitName(e.unit_code) }) : null,
    e.note ? h('p', { class: 'event-note', text: e.note }) : null,
    h('p', { class: 'muted small' }, h('span', {
      i18n: 'case.timeline.by', args: { actor: e.actor, role: vocab('role', e.actor_role) },
    })))));
}

// ---------------------------------------------------------------- UPT staff

/**
 * The unit's queue, long polled: each request waits up to 25 s with the last
 * ETag and comes back at once when a case of the unit changes (304 when the
 * wait ends with nothing new).
 */
function casesView(main, _params, ctx) {
  const unit = app.claims.unit;
  const list = h('ol', { class: 'case-list' });
  const empty = h('p', { class: 'empty', i18n: 'cases.empty', hidden: true });
  const error = h('div');
  const cards = new Map();
  main.append(pageHead('cases.title', { unit: unitName(unit) }, 'cases.intro', liveIndicator()), error, list, empty);

  function apply(cases) {
    const ids = new Set(cases.map((c) => c.id));
    for (const [id, card] of cards) {
      if (!ids.has(id)) {
        card.element.remove();
        cards.delete(id);
      }
    }
    cases.forEach((c, i) => {
      let card = cards.get(c.id);
      if (!card) {
        card = caseCard(c);
        cards.set(c.id, card);
      } else {
        card.update(c);
      }
      if (list.children[i] !== card.element) list.insertBefore(card.element, list.children[i] ?? null);
    });
    empty.hidden = cases.length > 0;
  }

  let etag = null;
  let wake = null;
  async function loop() {
    while (!ctx.signal.aborted) {
      const attempt = new AbortController();
      wake = () => attempt.abort();
      const stop = () => attempt.abort();
      ctx.signal.addEventListener('abort', stop, { once: true });
      try {
        const params = new URLSearchParams({ status: QUEUE_STATUSES.join(','), limit: '200' });
        if (etag) params.set('wait', '25');
        const { status, data, headers } = await api.request(`/v1/units/${encodeURIComponent(unit)}/cases?${params}`, {
          signal: attempt.signal, headers: etag ? { 'If-None-Match': etag } : {},
        });
        if (status === 200) {
          etag = headers.get('ETag');
          apply(data.items);
        }
        error.replaceChildren();
      } catch (e) {
        if (ctx.signal.aborted) return;
        if (e.name !== 'AbortError') {
          error.replaceChildren(errorNotice(e));
          await sleep(3000, ctx.signal);
        }
        etag = null;
      } finally {
        ctx.signal.removeEventListener('abort', stop);
      }
    }
  }

  function refresh() {
    etag = null;
    wake?.();
  }

  /** One case: its facts, its next status, and notes and transfer. */
  function caseCard(initial) {
    let current = initial;
    const headEl = h('div', { class: 'case-head' });
    const meta = h('p', { class: 'case-meta' });
    const sla = h('p', { class: 'sla' });
    const actions = h('div', { class: 'case-actions' });
    const messages = h('div', { class: 'action-message' });
    const more = h('details', { class: 'more' }, h('summary', { i18n: 'case.more' }));
    const element = h('li', { class: 'case-card' }, headEl, meta, sla, actions, messages, more);
    let formsFor = null;

    function draw() {
      element.className = `case-card urgency-${current.urgency}`;
      element.dataset.id = current.id;
      element.dataset.status = current.status;
      element.dataset.version = String(current.version);
      headEl.replaceChildren(
        h('a', { class: 'ticket', href: `#/reports/${current.id}`, text: current.ticket }),
        badge('urgency', current.urgency), badge('status', current.status));
      meta.replaceChildren(...[
        h('span', { labels: categoryLabels(current.category) }), ' · ',
        h('span', { vocab: `need:${current.need}` }), ' · ',
        regionEl(current.region_code), ' · ',
        h('span', { i18n: 'cases.people', args: { n: current.beneficiary_count } }),
        current.escalation_level ? h('span', { class: 'badge escalated', i18n: 'cases.escalated', args: { n: current.escalation_level } }) : null].filter(Boolean));
      if (current.status === 'assigned' && current.sla_due_at) {
        const overdue = new Date(current.sla_due_at).getTime() < Date.now();
        const key = overdue ? 'cases.sla.overdue' : 'cases.sla.due';
        sla.hidden = false;
        sla.className = overdue ? 'sla overdue' : 'sla';
        sla.replaceChildren(h('span', {
          dataset: { rel: current.sla_due_at, relKey: key },
          text: t(key, { rel: formatDuration(Math.abs(new Date(current.sla_due_at).getTime() - Date.now()) / 1000) }),
        }));
      } else {
        sla.hidden = true;
      }
      actions.replaceChildren(statusActions(current, {
        primaryOnly: true,
        messages,
        onChanged: (report) => {
          update(report);
          refresh();
        },
        onStale: refresh,
      }).element);
      const formKey = `${current.status}`;
      if (formKey !== formsFor) {
        formsFor = formKey;
        for (const old of more.querySelectorAll('.case-forms')) old.remove();
        more.append(caseForms({ ...current, unit_code: unit }, { idPrefix: `c-${current.id}`, onDone: refresh }));
      }
    }

    function update(next) {
      if (next.version === current.version && next.status === current.status) return;
      current = { ...current, ...next };
      draw();
    }
    draw();
    return { element, update };
  }

  const relTimer = window.setInterval(() => applyLanguage(list), 30000);
  ctx.onStop(() => window.clearInterval(relTimer));
  loop();
}

// ---------------------------------------------------------------- supervisor

function assignForm(report, { idPrefix, onAssigned }) {
  const serving = app.units.filter((u) => u.active && (!u.categories.length || u.categories.includes(report.category)));
  const others = app.units.filter((u) => u.active && !serving.includes(u));
  const unit = h('select', {},
    h('option', { value: '', i18n: 'field.choose' }),
    h('optgroup', { dataset: { i18nAttr: 'label=triage.unit.serving' }, label: t('triage.unit.serving') },
      serving.map((u) => h('option', { value: u.code, text: u.name }))),
    others.length ? h('optgroup', { dataset: { i18nAttr: 'label=triage.unit.other' }, label: t('triage.unit.other') },
      others.map((u) => h('option', { value: u.code, text: u.name }))) : null);
  const note = h('input', { type: 'text', maxlength: '2000', autocomplete: 'off' });
  const message = h('div');
  const form = h('form', { class: 'assign-form', novalidate: true },
    h('div', { class: 'grid-assign' },
      field({ id: `${idPrefix}-assign-unit`, label: 'triage.unit', control: unit, required: true }),
      field({ id: `${idPrefix}-assign-note`, label: 'triage.note', control: note }),
      h('div', { class: 'actions end' }, h('button', { type: 'submit', class: 'primary', i18n: 'triage.assign' }))),
    message);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const body = { unit_code: unit.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      const { data } = await api.post(`/v1/reports/${report.id}/assign`, body);
      announce(t('triage.assigned', { ticket: data.ticket, unit: unitName(data.unit_code) }));
      onAssigned(data);
    } catch (error) {
      if (error instanceof api.ApiError && error.fieldErrors.length) {
        for (const fe of error.fieldErrors) setFieldError(fe.field === 'note' ? note : unit, fe.message);
      } else message.replaceChildren(errorNotice(error));
    }
  });
  return form;
}

function triageView(main, _params, ctx) {
  const list = h('ol', { class: 'case-list' });
  const empty = h('p', { class: 'empty', i18n: 'triage.empty', hidden: true });
  const error = h('div');
  const done = h('div', { class: 'done-list' });
  const cards = new Map();
  main.append(pageHead('triage.title', {}, 'triage.intro', liveIndicator()), error, done, list, empty);

  function card(r) {
    const element = h('li', { class: `case-card urgency-${r.urgency}`, dataset: { id: r.id, status: r.status } },
      h('div', { class: 'case-head' },
        h('a', { class: 'ticket', href: `#/reports/${r.id}`, text: r.ticket }),
        badge('urgency', r.urgency), badge('status', r.status), h('time', { class: 'muted', time: r.created_at })),
      h('p', { class: 'case-meta' }, h('span', { labels: categoryLabels(r.category) }), ' · ', h('span', { vocab: `need:${r.need}` }), ' · ', regionEl(r.region_code)),
      r.triage_reason ? h('p', { class: 'triage-reason' }, h('strong', { i18n: 'triage.reason' }), ': ', h('span', { text: r.triage_reason })) : null,
      assignForm(r, {
        idPrefix: `t-${r.id}`,
        onAssigned: (assigned) => {
          element.remove();
          cards.delete(r.id);
          done.replaceChildren(notice('success', h('p', { i18n: 'triage.assigned', args: { ticket: assigned.ticket, unit: unitName(assigned.unit_code) } })));
          empty.hidden = cards.size > 0;
        },
      }));
    return element;
  }

  async function poll() {
    try {
      const page = await api.get('/v1/reports?status=needs_triage&limit=100', { signal: ctx.signal });
      const ids = new Set(page.items.map((r) => r.id));
      for (const [id, el] of cards) {
        if (!ids.has(id)) {
          el.remove();
          cards.delete(id);
        }
      }
      page.items.forEach((r, i) => {
        if (!cards.has(r.id)) cards.set(r.id, card(r));
        const el = cards.get(r.id);
        if (list.children[i] !== el) list.insertBefore(el, list.children[i] ?? null);
      });
      empty.hidden = cards.size > 0;
      error.replaceChildren();
    } catch (e) {
      if (e.name !== 'AbortError') error.replaceChildren(errorNotice(e));
    }
  }
  poll();
  const timer = window.setInterval(poll, 4000);
  ctx.onStop(() => window.clearInterval(timer));
}

// ---------------------------------------------------------------- statistics

function dateInput(value) {
  return h('input', { type: 'date', value });
}

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function localMidnight(day, addDays = 0) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + addDays);
}

async function statsView(main, _params, ctx) {
  const today = new Date();
  const from = dateInput(isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29)));
  const to = dateInput(isoDay(today));
  const region = h('select');
  if (role() === 'regional') {
    const own = app.claims.region;
    region.append(h('option', { value: own, text: regionText(own) }));
    for (const r of await regenciesOf(own)) region.append(h('option', { value: r.code, text: r.name }));
  } else {
    region.append(h('option', { value: '', i18n: 'stats.region.all' }));
    for (const p of app.provinces) region.append(h('option', { value: p.code, text: p.name }));
  }
  const form = h('form', { class: 'card filters', novalidate: true, 'aria-label': t('stats.title'), dataset: { i18nAttr: 'aria-label=stats.title' } },
    field({ id: 'stats-from', label: 'stats.from', control: from }),
    field({ id: 'stats-to', label: 'stats.to', control: to }),
    field({ id: 'stats-region', label: 'stats.region', control: region }),
    h('div', { class: 'actions end' }, h('button', { type: 'submit', class: 'primary', i18n: 'stats.apply' })));
  const output = h('div', { class: 'stats-output', 'aria-live': 'polite' });
  main.append(pageHead('stats.title', {}, 'stats.intro'), form, output);

  let stats = null;
  async function load() {
    clearFieldErrors(form);
    const params = new URLSearchParams();
    if (from.value) params.set('from', localMidnight(from.value).toISOString());
    if (to.value) params.set('to', localMidnight(to.value, 1).toISOString());
    if (region.value) params.set('region', region.value);
    output.replaceChildren(h('p', { class: 'muted', i18n: 'loading' }));
    try {
      stats = await api.get(`/v1/stats?${params}`, { signal: ctx.signal });
      draw();
    } catch (error) {
      if (error.name === 'AbortError') return;
      stats = null;
      const errors = error instanceof api.ApiError ? error.fieldErrors : [];
      for (const fe of errors) setFieldError({ from, to, region }[fe.field] ?? to, fe.message);
      output.replaceChildren(notice('error', h('h2', { i18n: 'stats.unavailable' }), h('p', { class: 'problem', text: problemText(error) })));
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });

  function draw() {
    if (!stats) return;
    const s = stats;
    const tiles = h('div', { class: 'tiles' },
      tile('stats.total', formatNumber(s.total)),
      tile('stats.people.reported', formatNumber(s.beneficiaries?.reported)),
      tile('stats.people.served', formatNumber(s.beneficiaries?.served)),
      tile('stats.sla.overall', formatPercent(s.sla?.overall?.compliance),
        s.sla?.overall ? t('stats.sla.detail', { met: formatNumber(s.sla.overall.met), missed: formatNumber(s.sla.overall.missed), due: formatNumber(s.sla.overall.due) }) : null),
      tile('stats.times.to_acknowledge', formatDuration(s.times?.to_acknowledge?.median_seconds), t('stats.times.median')));
    const grid = h('div', { class: 'chart-grid' });
    output.replaceChildren(...[tiles, s.total ? null : h('p', { class: 'muted', i18n: 'stats.nodata' }), grid].filter(Boolean));
    // Each chart is drawn at the width its card has, so that its text keeps
    // its size on a phone as on a desktop.
    const place = (draw, wide = false) => {
      const card = h('section', { class: wide ? 'card chart-card wide' : 'card chart-card' });
      grid.append(card);
      const style = getComputedStyle(card);
      const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      card.append(draw(Math.max(260, Math.floor(inner))));
    };

    const byPlace = s.region && s.by_regency?.length ? s.by_regency : s.by_province ?? [];
    place((width) => barChart({
      title: t(s.region && s.by_regency?.length ? 'stats.by_regency' : 'stats.by_province'),
      items: top(byPlace, 12).map((g) => ({ label: g.label, values: [g.count] })),
      series: [{ label: t('stats.col.count'), className: 'primary' }],
      width,
    }));
    place((width) => barChart({
      title: t('stats.by_category'),
      items: (s.by_category ?? []).map((g) => {
        const labels = categoryLabels(g.key);
        const label = app.categories.some((c) => c.code === g.key) ? (lang() === 'id' ? labels[0] : labels[1]) : g.label;
        return { label, values: [g.count] };
      }),
      series: [{ label: t('stats.col.count'), className: 'accent' }],
      width,
    }));
    const phases = ['to_assign', 'to_acknowledge', 'to_resolve'];
    place((width) => barChart({
      title: t('stats.times'),
      items: phases.map((p) => ({
        label: t(`stats.times.${p}`),
        values: [s.times?.[p]?.median_seconds ?? null, s.times?.[p]?.p90_seconds ?? null],
        note: t('stats.times.count', { n: formatNumber(s.times?.[p]?.count ?? 0) }),
      })),
      series: [{ label: t('stats.times.median'), className: 'primary' }, { label: t('stats.times.p90'), className: 'muted-bar' }],
      format: (v) => formatDuration(v),
      width,
    }));
    place((width) => barChart({
      title: t('stats.sla.by_unit'),
      items: (s.sla?.by_unit ?? []).map((g) => ({
        label: g.label || unitName(g.key),
        values: [g.compliance],
        note: t('stats.sla.unit.detail', { met: formatNumber(g.met), due: formatNumber(g.due) }),
        className: g.compliance === null ? 'muted-bar' : g.compliance >= 0.9 ? 'good' : g.compliance >= 0.7 ? 'warn' : 'bad',
      })),
      series: [{ label: t('stats.col.compliance'), className: 'good' }],
      format: (v) => formatPercent(v),
      max: 1,
      width,
    }));
    place((width) => columnChart({ title: t('stats.by_day'), items: days(s), width }), true);
  }

  function tile(key, value, detail) {
    return h('div', { class: 'tile' }, h('p', { class: 'tile-label', i18n: key }), h('p', { class: 'tile-value', text: value }),
      detail ? h('p', { class: 'tile-detail', text: detail }) : null);
  }

  function top(groups, n) {
    const sorted = [...groups].sort((a, b) => b.count - a.count);
    if (sorted.length <= n) return sorted;
    const rest = sorted.slice(n - 1);
    return [...sorted.slice(0, n - 1), { label: t('stats.others', { n: rest.length }), count: rest.reduce((sum, g) => sum + g.count, 0) }];
  }

  /** Every UTC day of the range, with the days without reports at zero. */
  function days(s) {
    const counts = new Map((s.by_day ?? []).map((g) => [g.key, g.count]));
    const out = [];
    const start = new Date(s.from);
    const end = new Date(s.to);
    const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
    const fmt = new Intl.DateTimeFormat(lang() === 'id' ? 'id-ID' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
    while (day < end && out.length < 400) {
      const key = day.toISOString().slice(0, 10);
      out.push({ label: key, short: fmt.format(day), value: counts.get(key) ?? 0 });
      day.setUTCDate(day.getUTCDate() + 1);
    }
    return out;
  }

  let resizeTimer = null;
  const onResize = () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(draw, 150);
  };
  window.addEventListener('resize', onResize);
  document.addEventListener('sigap:language', draw);
  ctx.onStop(() => {
    window.removeEventListener('resize', onResize);
    document.removeEventListener('sigap:language', draw);
  });
  await load();
}

// ---------------------------------------------------------------- directory

/** Roles that see the coverage gaps and the units' rules and history. */
const DIRECTORY_STAFF = ['admin', 'supervisor'];
/** Fields of a history entry that identify the row rather than change. */
const HISTORY_IDENTITY = new Set(['id', 'code', 'unit_code', 'created_at', 'updated_at', 'open_cases']);
const HISTORY_PAGE = 12;

function unitsView(main, _params, ctx) {
  const staff = DIRECTORY_STAFF.includes(role());
  const columns = ['units.code', 'units.name', 'units.kind', 'units.region', 'units.categories', 'units.load', 'units.active'];
  if (staff) columns.push('units.details');
  // The gaps first: their outlines are the largest download of the page.
  const gaps = staff ? gapsPanel(ctx) : null;
  const tbody = h('tbody', {}, app.units.map((u) => unitRow(u, { staff, columns: columns.length, ctx })));
  main.append(pageHead('units.title', {}, staff ? 'units.intro' : null), gaps,
    h('section', { class: 'card', 'aria-labelledby': 'units-h' },
      h('h2', { id: 'units-h', i18n: 'units.list' }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'units' },
        h('thead', {}, h('tr', {}, columns.map((k) => h('th', { scope: 'col', i18n: k })))),
        tbody))));
}

function categoryText(code) {
  const [id, en] = categoryLabels(code);
  return lang() === 'id' ? id : en;
}

/** A unit's row; for staff it opens a row below it with the unit's rules and history. */
function unitRow(u, { staff, columns, ctx }) {
  const row = h('tr', { dataset: { unit: u.code } },
    h('td', { class: 'mono small', text: u.code }),
    h('th', { scope: 'row', text: u.name }),
    h('td', { vocab: `kind:${u.kind}` }),
    h('td', {}, regionEl(u.region_code)),
    h('td', {}, u.categories.length ? u.categories.map((c, i) => [i ? ', ' : '', h('span', { labels: categoryLabels(c) })]) : h('span', { i18n: 'units.categories.all' })),
    h('td', { class: 'num', text: `${u.open_cases} / ${u.capacity}` }),
    h('td', { i18n: u.active ? 'yes' : 'no' }));
  if (!staff) return row;
  const detailId = `unit-detail-${u.code}`;
  const toggle = h('button', {
    type: 'button', class: 'link', 'aria-expanded': 'false', i18n: 'units.details.show',
    attrs: { 'aria-label': 'units.details.label' }, args: { unit: u.name },
  });
  row.append(h('td', {}, toggle));
  let detail = null;
  let controller = null;
  toggle.addEventListener('click', () => {
    if (detail) {
      controller?.abort();
      detail.remove();
      detail = null;
      toggle.setAttribute('aria-expanded', 'false');
      toggle.removeAttribute('aria-controls');
      return;
    }
    controller = new AbortController();
    const stop = () => controller.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const body = h('div', { class: 'unit-detail-body' }, h('p', { class: 'muted', i18n: 'loading' }));
    detail = h('tr', { class: 'unit-detail', id: detailId }, h('td', { colspan: String(columns) }, body));
    row.after(detail);
    toggle.setAttribute('aria-expanded', 'true');
    toggle.setAttribute('aria-controls', detailId);
    unitDetail(u, body, controller.signal).finally(() => ctx.signal.removeEventListener('abort', stop));
  });
  return row;
}

/** Fills `body` with a unit's coverage rules and the first page of its history. */
async function unitDetail(u, body, signal) {
  const code = encodeURIComponent(u.code);
  const [rules, history] = await Promise.allSettled([
    api.all(`/v1/units/${code}/coverage`, { signal }),
    api.get(`/v1/units/${code}/history?limit=${HISTORY_PAGE}`, { signal }),
  ]);
  if (signal.aborted) return;
  const rulesPart = h('section', { class: 'unit-rules', 'aria-labelledby': `${u.code}-rules-h` },
    h('h3', { id: `${u.code}-rules-h`, i18n: 'coverage.title' }));
  if (rules.status === 'rejected') rulesPart.append(errorNotice(rules.reason));
  else rulesPart.append(coverageTable(u, rules.value));
  const historyPart = h('section', { class: 'unit-history', 'aria-labelledby': `${u.code}-history-h` },
    h('h3', { id: `${u.code}-history-h`, i18n: 'history.title' }));
  if (history.status === 'rejected') historyPart.append(errorNotice(history.reason));
  else historyPart.append(historyList(u, history.value, signal));
  body.replaceChildren(rulesPart, historyPart);
}

/** A link to a rule's source, opened in a new tab; only http(s) addresses are links. */
function sourceLink(source) {
  if (!source) return h('span', { i18n: 'none' });
  let url = null;
  try {
    url = new URL(source);
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) return h('span', { class: 'source', text: source });
  return h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', class: 'source', title: url.href },
    url.hostname.replace(/^www\./, ''), h('span', { class: 'visually-hidden', i18n: 'link.newtab' }));
}

function coverageTable(u, rules) {
  if (!rules.length) return h('p', { class: 'muted', i18n: 'coverage.none' });
  const columns = ['coverage.region', 'coverage.category', 'coverage.priority', 'coverage.basis', 'coverage.confidence',
    'coverage.year', 'coverage.source', 'coverage.origin', 'coverage.active', 'coverage.note'];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'coverage' },
    h('caption', { class: 'visually-hidden', i18n: 'coverage.caption', args: { unit: u.name } }),
    h('thead', {}, h('tr', {}, columns.map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, rules.map((r) => h('tr', { dataset: { rule: String(r.id), basis: r.basis }, class: r.active ? '' : 'inactive' },
      h('th', { scope: 'row' }, r.region_code ? regionEl(r.region_code) : h('span', { i18n: 'coverage.national' })),
      h('td', {}, r.category ? h('span', { labels: categoryLabels(r.category) }) : h('span', { i18n: 'coverage.all' })),
      h('td', { class: 'num', text: String(r.priority) }),
      h('td', {}, h('span', { class: `basis basis-${r.basis}`, vocab: `basis:${r.basis}` })),
      h('td', {}, r.confidence ? h('span', { vocab: `confidence:${r.confidence}` }) : h('span', { i18n: 'none' })),
      h('td', { class: 'num', text: r.year === null || r.year === undefined ? t('none') : String(r.year) }),
      h('td', {}, sourceLink(r.source)),
      h('td', {}, h('span', { vocab: `origin:${r.origin}` })),
      h('td', { i18n: r.active ? 'yes' : 'no' }),
      h('td', { class: 'note', text: r.note ?? t('none') }))))));
}

/** A unit's changes, newest page first, with "show more" while the API has more. */
function historyList(u, page, signal) {
  const list = h('ol', { class: 'history' });
  const more = h('button', { type: 'button', class: 'secondary', i18n: 'history.more', hidden: true });
  const error = h('div');
  let cursor = null;
  const add = (p) => {
    for (const entry of p.items) list.append(historyItem(entry));
    cursor = p.next_cursor;
    more.hidden = !cursor;
  };
  add(page);
  more.addEventListener('click', async () => {
    more.disabled = true;
    error.replaceChildren();
    try {
      const params = new URLSearchParams({ limit: String(HISTORY_PAGE), cursor });
      add(await api.get(`/v1/units/${encodeURIComponent(u.code)}/history?${params}`, { signal }));
    } catch (e) {
      if (e.name !== 'AbortError') error.replaceChildren(errorNotice(e));
    } finally {
      more.disabled = false;
    }
  });
  if (!page.items.length) return h('p', { class: 'muted', i18n: 'history.none' });
  return h('div', {}, list, error, h('div', { class: 'actions start' }, more));
}

function historyItem(entry) {
  const changes = changedFields(entry);
  let fields;
  if (!changes.length) fields = h('p', { class: 'muted small', i18n: 'history.nofields' });
  else if (entry.action === 'updated') {
    fields = h('table', { class: 'changes' },
      h('caption', { class: 'visually-hidden', i18n: 'history.caption' }),
      h('thead', {}, h('tr', {}, ['history.field', 'history.before', 'history.after'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, changes.map(({ key, before, after }) => h('tr', { dataset: { field: key } },
        h('th', { scope: 'row', vocab: `column:${key}` }),
        h('td', { class: 'before' }, fieldValue(key, before)),
        h('td', { class: 'after' }, fieldValue(key, after))))));
  } else {
    // What was created, or what was removed: its fields, without arrows.
    const side = entry.action === 'deleted' ? 'before' : 'after';
    fields = h('dl', { class: 'fields-inline' }, changes.map((c) => h('div', { dataset: { field: c.key } },
      h('dt', { vocab: `column:${c.key}` }), h('dd', {}, fieldValue(c.key, c[side])))));
  }
  return h('li', { class: `history-item history-${entry.action}`, dataset: { entity: entry.entity, action: entry.action } },
    h('div', { class: 'event-head' },
      h('span', { class: 'event-kind', i18n: `history.${entry.entity}.${entry.action}`, args: { id: entry.rule_id ?? '' } }),
      h('time', { class: 'muted', time: entry.at })),
    h('p', { class: 'muted small' }, entry.actor_role
      ? h('span', { i18n: 'history.by', args: { actor: entry.actor, role: vocab('role', entry.actor_role) } })
      : h('span', { i18n: 'history.by.plain', args: { actor: entry.actor } })),
    fields);
}

/**
 * The fields an entry changed: for an update those that differ, for a
 * creation or removal those that have a value.
 */
function changedFields({ before, after }) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])]
    .filter((k) => !HISTORY_IDENTITY.has(k));
  const value = (row, k) => (row && k in row ? row[k] : null);
  return keys
    .map((key) => ({ key, before: value(before, key), after: value(after, key) }))
    .filter(({ before: b, after: a }) => JSON.stringify(b) !== JSON.stringify(a));
}

/** A field's value as the directory shows it. */
function fieldValue(key, value) {
  if (value === null || value === undefined) return h('span', { i18n: 'none' });
  if (typeof value === 'boolean') return h('span', { i18n: value ? 'yes' : 'no' });
  if (key === 'categories' && Array.isArray(value)) {
    return value.length ? value.map((c, i) => [i ? ', ' : '', h('span', { labels: categoryLabels(c) })]) : h('span', { i18n: 'units.categories.all' });
  }
  if (key === 'category') return h('span', { labels: categoryLabels(value) });
  if (key === 'region_code') return regionEl(value);
  if (['basis', 'confidence', 'origin', 'kind'].includes(key)) return h('span', { vocab: `${key}:${value}` });
  if (key === 'source') return sourceLink(value);
  return h('span', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) });
}

/** The outlines of every regency, fetched once per page load. */
let regencyOutlines = null;
function regencyMapData() {
  if (!regencyOutlines) {
    regencyOutlines = api.get('regencies.json', { auth: false });
    regencyOutlines.catch(() => {
      regencyOutlines = null;
    });
  }
  return regencyOutlines;
}

/**
 * Where no sourced coverage rule exists (`GET /v1/coverage/gaps`): a map of
 * every regency coloured by how many categories lack one, its key, and the
 * same data as a table. Choosing a category asks again for that category
 * and recolours the map in place.
 */
function gapsPanel(ctx) {
  const category = h('select', {},
    h('option', { value: '', i18n: 'gaps.category.all' }),
    categoryOptions().map(({ value, labels }) => h('option', { value, labels })));
  const summary = h('p', { class: 'gaps-summary', 'aria-live': 'polite' }, h('span', { class: 'muted', i18n: 'loading' }));
  const error = h('div');
  const frame = h('div', { class: 'map-frame' }, h('p', { class: 'muted', i18n: 'loading' }));
  const legend = h('div', { class: 'legend-slot' });
  const attribution = h('p', { class: 'attribution muted small' });
  const tableBody = h('tbody');
  const table = h('div', { class: 'gaps-table', role: 'region', tabindex: '0', 'aria-labelledby': 'gaps-caption' },
    h('table', { class: 'gaps' },
      h('caption', { id: 'gaps-caption', i18n: 'gaps.table.caption' }),
      h('thead', {}, h('tr', {}, ['gaps.col.regency', 'gaps.col.province', 'gaps.col.missing'].map((k) => h('th', { scope: 'col', i18n: k })))),
      tableBody));
  const panel = h('section', { class: 'card gaps-card', 'aria-labelledby': 'gaps-h' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'gaps-h', i18n: 'gaps.title' }),
      field({ id: 'gaps-category', label: 'gaps.category', control: category, className: 'inline' })),
    h('p', { class: 'lede', i18n: 'gaps.intro' }),
    summary, error,
    h('div', { class: 'gaps-layout' },
      h('div', { class: 'map-figure' }, frame, legend, attribution),
      table));

  let map = null;
  let gaps = null;
  let loading = null;

  function draw() {
    const single = Boolean(gaps?.category);
    const label = single ? categoryText(gaps.category) : '';
    const missingOf = (item) => (item ? item.categories.length : 0);
    const n = gaps ? gaps.items.length : 0;
    const args = { n: formatNumber(n), total: formatNumber(map?.count ?? 0), category: label };
    const sentence = gaps ? t(`${map ? 'gaps.summary' : 'gaps.count'}.${single ? 'one' : 'all'}`, args) : t('loading');
    if (gaps) summary.replaceChildren(h('span', { text: sentence }));
    legend.replaceChildren(gapLegend({ single, known: Boolean(gaps), categoryLabel: label }));
    map?.paint({
      title: single ? t('gaps.map.title.one', { category: label }) : t('gaps.map.title'),
      description: sentence,
      single,
      category: gaps?.category ?? '',
      state: (regency) => {
        if (!gaps) return { missing: null, text: regency.name };
        const item = gaps.byCode.get(regency.code);
        const missing = missingOf(item);
        const name = item?.name ?? regency.name;
        if (missing) return { missing, text: t('gaps.path.missing', { name, categories: item.categories.map(categoryText).join(', ') }) };
        return { missing, text: single ? t('gaps.path.covered.one', { name, category: label }) : t('gaps.path.covered', { name }) };
      },
    });
    if (!gaps) return;
    tableBody.replaceChildren(...(gaps.items.length
      ? gaps.items.map((g) => h('tr', { dataset: { gap: g.region_code, missing: String(missingOf(g)) } },
        h('th', { scope: 'row', text: g.name }),
        h('td', { text: app.regionNames.get(g.province_code) ?? g.province_code }),
        h('td', {}, g.categories.length === app.categories.length
          ? h('span', { i18n: 'gaps.missing.all', args: { n: g.categories.length } })
          : g.categories.map((c, i) => [i ? ', ' : '', h('span', { labels: categoryLabels(c) })]))))
      : [h('tr', {}, h('td', { colspan: '3', class: 'muted', i18n: 'gaps.none' }))]));
  }

  async function load() {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    const stop = () => controller.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const chosen = category.value;
    category.setAttribute('aria-busy', 'true');
    const params = new URLSearchParams({ limit: '500' });
    if (chosen) params.set('category', chosen);
    try {
      const items = await api.all(`/v1/coverage/gaps?${params}`, { signal: controller.signal });
      if (loading !== controller) return;
      items.sort((a, b) => (a.region_code < b.region_code ? -1 : a.region_code > b.region_code ? 1 : 0));
      gaps = { category: chosen, items, byCode: new Map(items.map((g) => [g.region_code, g])) };
      error.replaceChildren();
      draw();
    } catch (e) {
      if (e.name !== 'AbortError') {
        summary.replaceChildren();
        error.replaceChildren(errorNotice(e));
      }
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      if (loading === controller) category.removeAttribute('aria-busy');
    }
  }

  regencyMapData().then((data) => {
    if (ctx.signal.aborted) return;
    map = gapMap(data);
    frame.replaceChildren(map.svg);
    attribution.textContent = data.attribution ?? '';
    draw();
  }).catch((e) => {
    if (!ctx.signal.aborted) frame.replaceChildren(notice('error', h('p', { i18n: 'gaps.map.unavailable', args: { detail: problemText(e) } })));
  });
  category.addEventListener('change', load);
  document.addEventListener('sigap:language', draw);
  ctx.onStop(() => document.removeEventListener('sigap:language', draw));
  draw();
  load();
  return panel;
}

// ---------------------------------------------------------------- routing

const ROUTES = [
  { pattern: /^#\/intake$/, view: intakeView, roles: ['operator', 'supervisor'] },
  { pattern: /^#\/reports$/, view: reportsView, roles: ['operator', 'supervisor', 'regional'] },
  { pattern: /^#\/reports\/([0-9a-f-]{36})$/i, view: caseView, params: (m) => ({ id: m[1] }) },
  { pattern: /^#\/cases$/, view: casesView, roles: ['upt_staff'] },
  { pattern: /^#\/triage$/, view: triageView, roles: ['supervisor'] },
  { pattern: /^#\/stats$/, view: statsView, roles: ['supervisor', 'regional'] },
  { pattern: /^#\/units$/, view: unitsView },
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
      await signInView(main);
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

async function loadReference() {
  const [categories, units, provinces] = await Promise.all([
    api.get('/v1/categories'),
    api.all('/v1/units?limit=500'),
    api.all('/v1/regions?level=province&limit=500'),
  ]);
  app.categories = categories.items;
  app.units = units;
  app.provinces = provinces;
  for (const p of provinces) app.regionNames.set(p.code, p.name);
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
  window.addEventListener('hashchange', () => route(true));
  api.get('config.json', { auth: false })
    .then((config) => {
      app.config = config ?? app.config;
    })
    .catch(() => {})
    .finally(() => start());
}

init();
