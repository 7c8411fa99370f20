// The operator's intake: the report form, the ticket of the report just
// filed, and the newest reports beside it.

import * as api from './api.js';
import { announce, badge, checkbox, clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { formatPercent, t, vocabValues } from './i18n.js';
import { errorNotice, liveIndicator, pageHead } from './page.js';
import { liveList } from './reports.js';
import { app, categoryOptions, regenciesOf, unitName, vocabOptions } from './state.js';

/** Channels partners' systems file through, never an operator. */
const MACHINE_CHANNELS = ['partner_api', 'open311'];

const FIELD_LABELS = {
  'f-province': 'field.province', 'f-regency': 'field.regency', 'f-address': 'field.address',
  'f-lat': 'field.lat', 'f-lon': 'field.lon', 'f-category': 'field.category', 'f-need': 'field.need',
  'f-urgency': 'field.urgency', 'f-channel': 'field.channel', 'f-description': 'field.description',
  'f-reporter-name': 'field.reporter.name', 'f-reporter-phone': 'field.reporter.phone',
  'f-beneficiary-count': 'field.beneficiary_count',
};

export async function intakeView(main, _params, ctx) {
  const head = pageHead('intake.title', {}, 'intake.intro');
  const province = select('f-province', app.provinces.map((p) => ({ value: p.code, text: p.name })));
  const regency = select('f-regency', [], { placeholder: false });
  regency.disabled = true;
  const address = h('input', { type: 'text', autocomplete: 'off', maxlength: '500' });
  const lat = h('input', { type: 'number', step: 'any', min: '-11', max: '6', inputmode: 'decimal' });
  const lon = h('input', { type: 'number', step: 'any', min: '95', max: '141.5', inputmode: 'decimal' });
  const category = select('f-category', categoryOptions());
  const need = select('f-need', vocabOptions('need', app.vocabulary.needs));
  const urgency = select('f-urgency', vocabOptions('urgency', app.vocabulary.urgencies));
  const channel = select('f-channel', vocabOptions('channel', app.vocabulary.channels.filter((c) => !MACHINE_CHANNELS.includes(c))), { value: 'hotline' });
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
  const duplicates = h('section', { class: 'duplicates', 'aria-live': 'polite', 'aria-labelledby': 'dup-h', hidden: true });
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
    duplicates,
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
      sex: select(`${id}-sex`, vocabOptions('sex', vocabValues('sex'))),
      disability: h('input', { type: 'text', autocomplete: 'off', maxlength: '100' }),
      nik: h('input', { type: 'text', autocomplete: 'off', inputmode: 'numeric', maxlength: '19' }),
      phone: h('input', { type: 'tel', autocomplete: 'off', inputmode: 'tel' }),
    };
    const remove = h('button', { type: 'button', class: 'link danger', i18n: 'field.b.remove', attrs: { 'aria-label': 'field.b.remove.label' }, args: { n: 1 } });
    const element = h('fieldset', { class: 'beneficiary' }, h('legend', { i18n: 'field.b.row', args: { n: 1 } }),
      h('div', { class: 'grid-4' },
        field({ id: `${id}-name`, label: 'field.b.name', control: controls.name }),
        field({ id: `${id}-age`, label: 'field.b.age', control: controls.age }),
        field({ id: `${id}-sex`, label: 'field.b.sex', control: controls.sex }),
        field({ id: `${id}-disability`, label: 'field.b.disability', control: controls.disability })),
      h('div', { class: 'grid-2' },
        field({ id: `${id}-nik`, label: 'field.b.nik', control: controls.nik }),
        field({ id: `${id}-phone`, label: 'field.b.phone', control: controls.phone })),
      h('div', { class: 'actions start' }, remove));
    const row = { element, controls, remove };
    remove.addEventListener('click', () => {
      beneficiaryRows.splice(beneficiaryRows.indexOf(row), 1);
      element.remove();
      renumber();
      scheduleCheck();
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
      const { name, age, sex, disability, nik, phone } = row.controls;
      if (name.value.trim()) b.name = name.value.trim();
      if (nik.value.trim()) b.nik = nik.value.trim();
      if (phone.value.trim()) b.phone = phone.value.trim();
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

  // Possible duplicates while the operator types: a check 400 ms after the
  // last keystroke, once there is a category, a place and someone to look
  // for; an answer to an older check than the latest is dropped.
  let checkTimer = null;
  let checkSerial = 0;
  let lastProbe = null;
  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, 400);
  }
  async function runCheck() {
    const { body } = payload();
    const people = (body.beneficiaries ?? []).filter((b) => b.name || b.nik || b.phone);
    const probe = body.category && (body.region_code || body.location)
      ? JSON.stringify({ category: body.category, region_code: body.region_code, location: body.location, beneficiaries: people })
      : null;
    if (!probe || !people.length) {
      lastProbe = null;
      checkSerial++;
      showDuplicates(duplicates, []);
      return;
    }
    if (probe === lastProbe) return;
    lastProbe = probe;
    const serial = ++checkSerial;
    duplicates.setAttribute('aria-busy', 'true');
    try {
      const { data } = await api.post('/v1/reports:check', probe);
      if (serial === checkSerial) showDuplicates(duplicates, data.possible_duplicates);
    } catch {
      // Suggestions are a help, not a step: a failed check leaves the form as it is.
      if (serial === checkSerial) lastProbe = null;
    } finally {
      if (serial === checkSerial) duplicates.removeAttribute('aria-busy');
    }
  }
  form.addEventListener('input', scheduleCheck);
  form.addEventListener('change', scheduleCheck);

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
      clearTimeout(checkTimer);
      checkSerial++;
      lastProbe = null;
      showDuplicates(duplicates, []);
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
      announce(t('intake.filed.announce', { ticket: data.ticket, code: data.tracking_code }));
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

/** The ticket and tracking code of a report just filed; follows its status from the live list. */
function filedPanel(filed) {
  const status = h('dd', {}, badge('status', filed.status));
  const unit = h('dd', { text: t('none') });
  const element = h('section', { class: 'filed', tabindex: '-1', 'aria-labelledby': 'filed-h', dataset: { id: filed.id, status: filed.status } },
    h('h2', { id: 'filed-h', i18n: 'intake.filed.title' }),
    h('dl', { class: 'filed-facts' },
      h('div', {}, h('dt', { i18n: 'intake.filed.ticket' }), h('dd', { class: 'ticket', text: filed.ticket })),
      // What the reporter follows the report by: the ticket alone opens nothing.
      h('div', {}, h('dt', { i18n: 'intake.filed.tracking' }), h('dd', { class: 'tracking-code', text: filed.tracking_code })),
      h('div', {}, h('dt', { i18n: 'intake.filed.status' }), status),
      h('div', {}, h('dt', { i18n: 'intake.filed.unit' }), unit)),
    h('p', { class: 'muted', i18n: 'intake.filed.tracking_hint' }),
    // A region code the coordinates disagree with: kept, but worth a look.
    filed.warnings?.length ? h('div', { class: 'notice notice-warning', role: 'status' },
      h('p', { i18n: 'intake.filed.warnings' }),
      h('ul', {}, filed.warnings.map((w) => h('li', { text: w.message })))) : null,
    filed.possible_duplicates?.length ? h('div', { class: 'notice notice-warning filed-duplicates', role: 'status' },
      h('p', { i18n: 'dup.filed' }), duplicateList(filed.possible_duplicates)) : null,
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

/** Shows the possible duplicates found, or hides the panel when there are none. */
function showDuplicates(panel, found) {
  panel.hidden = !found.length;
  panel.replaceChildren(...(found.length ? [
    h('h3', { id: 'dup-h', i18n: 'dup.title' }),
    h('p', { class: 'hint', i18n: 'dup.intro' }),
    duplicateList(found)] : []));
}

/** Each suggestion: a link to the case, its status, how alike, and why. */
function duplicateList(found) {
  return h('ul', { class: 'duplicate-list' }, found.map((d) => h('li', { class: 'duplicate', dataset: { id: d.report_id } },
    h('a', { href: `#/reports/${d.report_id}`, class: 'ticket', i18n: 'dup.open', args: { ticket: d.ticket } }),
    ' ', badge('status', d.status),
    ' ', h('span', { class: 'score', i18n: 'dup.score', args: { p: formatPercent(d.score) } }),
    d.distance_km !== undefined && d.distance_km !== null
      ? [' · ', h('span', { i18n: 'dup.distance', args: { km: d.distance_km } })] : null,
    h('ul', { class: 'reasons' }, d.reasons.map((r) => h('li', { i18n: `dup.reason.${r}` }))))));
}
