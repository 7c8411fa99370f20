// Case work at the unit: on the case page, each person with their status and
// the forms of the work (assessment, a service planned, delivered with its
// handover record, cancelled, followed up), their consents (UU PDP: recorded,
// withdrawn) and the import of a list; and the unit's delivery list and
// follow-ups due as a page of its own.

import * as api from './api.js';
import { announce, clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { t } from './i18n.js';
import { errorNotice, pageHead, setTitle } from './page.js';
import { app, role } from './state.js';

const METHODS = ['home_visit', 'at_unit', 'community', 'remote'];
const DOMAINS = ['seeing', 'hearing', 'walking', 'remembering', 'self_care', 'communicating'];
const DIFFICULTIES = ['no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all'];
const COMPONENTS = ['decent_living_support', 'social_care', 'family_support', 'therapy', 'vocational_training', 'social_assistance', 'accessibility_support'];
const MODALITIES = ['family_based', 'community_based', 'residential'];
const DEVICES = ['wheelchair', 'walker', 'crutches', 'walking_stick', 'white_cane', 'hearing_aid', 'prosthesis', 'orthosis', 'other'];
const OUTCOMES = ['in_use', 'needs_repair', 'not_used', 'returned', 'lost'];
const PURPOSES = ['case_handling', 'share_with_partner', 'share_with_regional_office', 'photo'];
const GIVERS = ['self', 'guardian'];
const CONSENT_METHODS = ['written', 'recorded_verbal'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Options of a case-work term list, labelled `cw.<kind>.<value>`. */
function options(kind, values) {
  return values.map((value) => ({ value, i18n: `cw.${kind}.${value}` }));
}

/** Today in WIB, the day forms start from. */
function today() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Whether the caller changes case work on this case: its unit's staff, supervisors. */
export function mayDoCasework(report) {
  return role() === 'supervisor' || (role() === 'upt_staff' && app.claims?.unit === report.unit_code);
}

/**
 * The people of a case with their work. `onChanged` is called after each
 * change, so that the case page refreshes its status and history.
 */
export function caseworkPanel(report, { ctx, onChanged }) {
  const element = h('div', { class: 'casework' });
  const writer = mayDoCasework(report);
  let opened = new Set();

  async function load() {
    try {
      const [people, services] = await Promise.all([
        api.get(`/v1/reports/${report.id}/beneficiaries?limit=500`, { signal: ctx.signal }),
        api.get(`/v1/reports/${report.id}/services?limit=500`, { signal: ctx.signal }),
      ]);
      opened = new Set([...element.querySelectorAll('details[open]')].map((d) => d.dataset.person));
      draw(people.items ?? [], services.items ?? []);
    } catch (error) {
      if (error.name !== 'AbortError') element.replaceChildren(errorNotice(error));
    }
  }

  async function changed(text) {
    announce(t(text));
    await load();
    onChanged?.();
  }

  function draw(people, services) {
    const parts = [];
    if (writer) parts.push(importForm(report, { onImported: () => changed('cw.import.done') }));
    if (!people.length) parts.push(h('p', { class: 'muted', i18n: 'case.beneficiaries.none' }));
    const list = h('ul', { class: 'people-list' });
    for (const person of people) {
      const own = services.filter((s) => s.beneficiary_id === person.id);
      const summary = h('summary', {},
        h('span', { class: 'person-name', text: person.name ?? t('cw.person.unnamed', { n: person.ordinal + 1 }) }),
        ' ',
        h('span', { class: `badge person-${person.status}`, i18n: `cw.person.${person.status}` }));
      const body = h('div', { class: 'person-work' });
      if (own.length) body.append(servicesTable(own, { writer, report, onChanged: changed }));
      if (writer && !['served', 'not_eligible', 'unreachable', 'declined'].includes(person.status)) {
        body.append(assessmentForm(person, { onDone: () => changed('cw.assess.done') }));
        if (['assessed', 'in_service'].includes(person.status)) {
          body.append(planForm(person, { onDone: () => changed('cw.plan.done') }));
        }
      }
      const consents = consentSection(person, { writer, signal: ctx.signal });
      body.append(consents.element);
      const details = h('details', { dataset: { person: person.id }, open: opened.has(person.id) }, summary, body);
      // A person's consents are fetched when their line is opened, not for every person of the case.
      details.addEventListener('toggle', () => {
        if (details.open) consents.load();
      });
      if (details.open) consents.load();
      list.append(h('li', {}, details));
    }
    parts.push(list);
    element.replaceChildren(...parts);
  }

  load();
  return { element, reload: load };
}

/** A form's submit: clears its errors, sends, shows field errors by name. */
function submitter(form, controls, send, onDone) {
  const message = h('div', { class: 'action-message' });
  form.append(message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await send();
      onDone();
    } catch (error) {
      const errors = error instanceof api.ApiError ? error.fieldErrors : [];
      let placed = 0;
      for (const e of errors) {
        const control = controls[e.field.split(/[.[]/)[0]];
        if (control) {
          setFieldError(control, e.message);
          placed += 1;
        }
      }
      if (placed < errors.length || !errors.length) message.replaceChildren(errorNotice(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function assessmentForm(person, { onDone }) {
  const p = `as-${person.id}`;
  const c = {
    assessed_on: h('input', { type: 'date', value: today() }),
    method: select(`${p}-method`, options('method', METHODS), { value: 'home_visit' }),
    eligible: select(`${p}-eligible`, [{ value: 'true', i18n: 'yes' }, { value: 'false', i18n: 'no' }], { value: 'true', placeholder: false }),
    findings: h('textarea', { rows: '2', maxlength: '4000' }),
    recommendations: h('input', { type: 'text', maxlength: '400' }),
  };
  const functioning = DOMAINS.map((d) => [d, select(`${p}-wg-${d}`, options('difficulty', DIFFICULTIES))]);
  const form = h('form', { class: 'cw-form', novalidate: true },
    h('h4', { i18n: 'cw.assess.title' }),
    field({ id: `${p}-on`, label: 'cw.assess.on', control: c.assessed_on, required: true }),
    field({ id: `${p}-method`, label: 'cw.assess.method', control: c.method, required: true }),
    field({ id: `${p}-eligible`, label: 'cw.assess.eligible', control: c.eligible, required: true }),
    field({ id: `${p}-findings`, label: 'cw.assess.findings', control: c.findings, required: true }),
    h('fieldset', { class: 'wg' }, h('legend', { i18n: 'cw.assess.functioning' }),
      ...functioning.map(([d, control]) => field({ id: `${p}-wg-${d}`, label: `cw.wg.${d}`, control }))),
    field({ id: `${p}-rec`, label: 'cw.assess.recommendations', hint: 'cw.assess.recommendations.hint', control: c.recommendations }),
    h('button', { type: 'submit', i18n: 'cw.assess.submit' }));
  return submitter(form, c, async () => {
    const chosen = functioning.filter(([, control]) => control.value);
    const body = {
      assessed_on: c.assessed_on.value,
      method: c.method.value,
      eligible: c.eligible.value === 'true',
      findings: c.findings.value,
      recommendations: recommendations(c.recommendations.value),
    };
    if (chosen.length) body.functioning = Object.fromEntries(functioning.map(([d, control]) => [d, control.value || 'no_difficulty']));
    await api.post(`/v1/beneficiaries/${person.id}/assessments`, body);
  }, onDone);
}

/** `wheelchair, hearing_aid x2, therapy`: devices and components, each once. */
function recommendations(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [term, n] = s.split(/\s*x\s*/);
    const quantity = n ? Number(n) : undefined;
    return DEVICES.includes(term)
      ? { component: 'accessibility_support', item: term, quantity }
      : { component: term, quantity };
  });
}

function planForm(person, { onDone }) {
  const p = `pl-${person.id}`;
  const c = {
    component: select(`${p}-component`, options('component', COMPONENTS), { value: 'accessibility_support' }),
    modality: select(`${p}-modality`, options('modality', MODALITIES), { value: 'family_based' }),
    item: select(`${p}-item`, options('device', DEVICES)),
    quantity: h('input', { type: 'number', min: '1', max: '10000', value: '1', inputmode: 'numeric' }),
    due_on: h('input', { type: 'date', value: today() }),
    note: h('input', { type: 'text', maxlength: '2000' }),
  };
  const form = h('form', { class: 'cw-form', novalidate: true },
    h('h4', { i18n: 'cw.plan.title' }),
    field({ id: `${p}-component`, label: 'cw.plan.component', control: c.component, required: true }),
    field({ id: `${p}-modality`, label: 'cw.plan.modality', control: c.modality, required: true }),
    field({ id: `${p}-item`, label: 'cw.plan.item', control: c.item }),
    field({ id: `${p}-quantity`, label: 'cw.plan.quantity', control: c.quantity, required: true }),
    field({ id: `${p}-due`, label: 'cw.plan.due', control: c.due_on, required: true }),
    field({ id: `${p}-note`, label: 'cw.note', control: c.note }),
    h('button', { type: 'submit', i18n: 'cw.plan.submit' }));
  return submitter(form, c, async () => {
    const body = { component: c.component.value, modality: c.modality.value, quantity: Number(c.quantity.value), due_on: c.due_on.value };
    if (c.item.value) body.item = c.item.value;
    if (c.note.value.trim()) body.note = c.note.value;
    await api.post(`/v1/beneficiaries/${person.id}/services`, body);
  }, onDone);
}

function servicesTable(services, { writer, onChanged }) {
  const rows = services.map((s) => {
    const what = s.item ? t(`cw.device.${s.item}`) : t(`cw.component.${s.component}`);
    const forms = [];
    if (writer && s.status === 'planned') {
      forms.push(deliverForm(s, { onDone: () => onChanged('cw.deliver.done') }), cancelForm(s, { onDone: () => onChanged('cw.cancel.done') }));
    }
    if (writer && s.status === 'delivered') forms.push(followUpForm(s, { onDone: () => onChanged('cw.follow.done') }));
    return h('tr', {},
      h('td', {}, what, ' × ', String(s.quantity)),
      h('td', {}, h('span', { class: `badge service-${s.status}`, i18n: `cw.service.${s.status}` })),
      h('td', { text: s.status === 'delivered' ? `${s.delivered_on} · ${s.handover_ref ?? ''}` : s.due_on }),
      h('td', {}, ...forms));
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'services' },
    h('caption', { i18n: 'cw.services' }),
    h('thead', {}, h('tr', {}, ['cw.col.service', 'cw.col.status', 'cw.col.when', 'cw.col.work'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, ...rows)));
}

function deliverForm(service, { onDone }) {
  const p = `dl-${service.id}`;
  const c = {
    delivered_on: h('input', { type: 'date', value: today() }),
    quantity: h('input', { type: 'number', min: '1', max: '10000', value: String(service.quantity), inputmode: 'numeric' }),
    handover_ref: h('input', { type: 'text', maxlength: '200', placeholder: 'BAST/…' }),
    received_by: h('input', { type: 'text', maxlength: '200' }),
  };
  const form = h('form', { class: 'cw-form', novalidate: true },
    h('h4', { i18n: 'cw.deliver.title' }),
    field({ id: `${p}-on`, label: 'cw.deliver.on', control: c.delivered_on, required: true }),
    field({ id: `${p}-quantity`, label: 'cw.plan.quantity', control: c.quantity, required: true }),
    field({ id: `${p}-ref`, label: 'cw.deliver.ref', hint: 'cw.deliver.ref.hint', control: c.handover_ref, required: true }),
    field({ id: `${p}-by`, label: 'cw.deliver.by', control: c.received_by, required: true }),
    h('button', { type: 'submit', i18n: 'cw.deliver.submit' }));
  return submitter(form, c, () => api.post(`/v1/services/${service.id}/deliver`, {
    delivered_on: c.delivered_on.value, quantity: Number(c.quantity.value),
    handover_ref: c.handover_ref.value, received_by: c.received_by.value,
  }), onDone);
}

function cancelForm(service, { onDone }) {
  const c = { reason: h('input', { type: 'text', maxlength: '2000' }) };
  const form = h('form', { class: 'cw-form', novalidate: true },
    field({ id: `cn-${service.id}-reason`, label: 'cw.cancel.reason', control: c.reason, required: true }),
    h('button', { type: 'submit', class: 'secondary danger', i18n: 'cw.cancel.submit' }));
  return submitter(form, c, () => api.post(`/v1/services/${service.id}/cancel`, { reason: c.reason.value }), onDone);
}

function followUpForm(service, { onDone }) {
  const p = `fu-${service.id}`;
  const c = {
    checked_on: h('input', { type: 'date', value: today() }),
    outcome: select(`${p}-outcome`, options('outcome', OUTCOMES), { value: 'in_use' }),
    note: h('input', { type: 'text', maxlength: '2000' }),
  };
  const form = h('form', { class: 'cw-form', novalidate: true },
    h('h4', { i18n: 'cw.follow.title' }),
    field({ id: `${p}-on`, label: 'cw.follow.on', control: c.checked_on, required: true }),
    field({ id: `${p}-outcome`, label: 'cw.follow.outcome', control: c.outcome, required: true }),
    field({ id: `${p}-note`, label: 'cw.note', control: c.note }),
    h('button', { type: 'submit', class: 'secondary', i18n: 'cw.follow.submit' }));
  return submitter(form, c, () => {
    const body = { checked_on: c.checked_on.value, outcome: c.outcome.value };
    if (c.note.value.trim()) body.note = c.note.value;
    return api.post(`/v1/services/${service.id}/follow-up`, body);
  }, onDone);
}

/**
 * A person's consents (what for, who gave them, how, when, withdrawn or not)
 * and, for those who change case work, the form that records one and the
 * withdrawal of each. `load` fetches the list, once or after a change.
 */
function consentSection(person, { writer, signal }) {
  const p = `cs-${person.id}`;
  const list = h('div', { class: 'consent-list' });
  const message = h('div');
  const element = h('section', { class: 'consents', 'aria-labelledby': `${p}-h` },
    h('h4', { id: `${p}-h`, i18n: 'cw.consent.title' }), list, message);
  let loading = null;

  async function load() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const items = await api.all(`/v1/beneficiaries/${person.id}/consents?limit=100`, { signal });
        list.replaceChildren(consentTable(items, { writer, onDone: changed }));
      } catch (error) {
        if (error.name !== 'AbortError') list.replaceChildren(errorNotice(error));
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  async function changed(text) {
    announce(t(text));
    await load();
  }

  if (writer) element.append(consentForm(person, { onDone: () => changed('cw.consent.done') }));
  return { element, load };
}

function consentTable(consents, { writer, onDone }) {
  if (!consents.length) return h('p', { class: 'muted', i18n: 'cw.consent.none' });
  const rows = consents.map((c) => {
    const giver = c.given_by === 'guardian' && c.guardian_name
      ? `${t('cw.consent.given_by.guardian')}: ${c.guardian_name}${c.guardian_relation ? ` (${c.guardian_relation})` : ''}`
      : t(`cw.consent.given_by.${c.given_by}`);
    const state = c.active
      ? h('span', { class: 'badge consent-active', i18n: 'cw.consent.active' })
      : h('span', {}, h('span', { class: 'badge consent-withdrawn', i18n: 'cw.consent.withdrawn' }), ' ',
        c.withdrawn_at ? h('time', { time: c.withdrawn_at }) : null);
    return h('tr', { dataset: { consent: c.id } },
      h('td', {}, h('ul', { class: 'purposes' }, ...c.purposes.map((purpose) => h('li', { i18n: `cw.consent.purpose.${purpose}` })))),
      h('td', { text: giver }),
      h('td', { i18n: `cw.consent.method.${c.method}` }),
      h('td', { text: c.recorded_on }),
      h('td', {}, state),
      h('td', {}, writer && c.active ? withdrawForm(c, { onDone: () => onDone('cw.consent.withdraw.done') }) : null));
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'consents-table' },
    h('caption', { i18n: 'cw.consent.caption' }),
    h('thead', {}, h('tr', {}, ['cw.consent.col.purposes', 'cw.consent.col.given_by', 'cw.consent.col.method', 'cw.consent.col.on', 'cw.col.status', 'cw.col.work']
      .map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, ...rows)));
}

function consentForm(person, { onDone }) {
  const p = `cf-${person.id}`;
  const boxes = PURPOSES.map((purpose) => [purpose, h('input', { type: 'checkbox', id: `${p}-purpose-${purpose}`, name: `${p}-purpose`, value: purpose })]);
  const c = {
    purposes: h('fieldset', { id: `${p}-purposes`, class: 'purposes' }, h('legend', {}, h('span', { i18n: 'cw.consent.purposes' }),
      h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    ...boxes.map(([purpose, input]) => h('div', { class: 'field check' }, input, h('label', { for: input.id, i18n: `cw.consent.purpose.${purpose}` })))),
    given_by: select(`${p}-given-by`, options('consent.given_by', GIVERS), { value: 'self' }),
    guardian_name: h('input', { type: 'text', maxlength: '200', autocomplete: 'off' }),
    guardian_relation: h('input', { type: 'text', maxlength: '100', autocomplete: 'off' }),
    method: select(`${p}-method`, options('consent.method', CONSENT_METHODS), { value: 'written' }),
    recorded_on: h('input', { type: 'date', value: today() }),
  };
  const guardian = [
    field({ id: `${p}-guardian-name`, label: 'cw.consent.guardian_name', control: c.guardian_name, required: true }),
    field({ id: `${p}-guardian-relation`, label: 'cw.consent.guardian_relation', hint: 'cw.consent.guardian_relation.hint', control: c.guardian_relation, required: true }),
  ];
  const sync = () => {
    for (const f of guardian) f.hidden = c.given_by.value !== 'guardian';
  };
  c.given_by.addEventListener('change', sync);
  sync();
  const form = h('form', { class: 'cw-form consent-form', novalidate: true },
    h('h4', { i18n: 'cw.consent.record' }),
    c.purposes,
    field({ id: `${p}-given-by`, label: 'cw.consent.given_by', control: c.given_by, required: true }),
    ...guardian,
    field({ id: `${p}-method`, label: 'cw.consent.method', control: c.method, required: true }),
    field({ id: `${p}-on`, label: 'cw.consent.on', control: c.recorded_on, required: true }),
    h('button', { type: 'submit', i18n: 'cw.consent.submit' }));
  return submitter(form, c, async () => {
    const body = {
      purposes: boxes.filter(([, input]) => input.checked).map(([purpose]) => purpose),
      given_by: c.given_by.value,
      method: c.method.value,
      recorded_on: c.recorded_on.value,
    };
    if (body.given_by === 'guardian') {
      body.guardian_name = c.guardian_name.value;
      body.guardian_relation = c.guardian_relation.value;
    }
    await api.post(`/v1/beneficiaries/${person.id}/consents`, body);
    form.reset();
    c.given_by.value = 'self';
    c.method.value = 'written';
    c.recorded_on.value = today();
    sync();
  }, onDone);
}

function withdrawForm(consent, { onDone }) {
  const c = { reason: h('input', { type: 'text', maxlength: '2000' }) };
  const form = h('form', { class: 'cw-form', novalidate: true },
    field({ id: `cw-${consent.id}-reason`, label: 'cw.consent.withdraw.reason', control: c.reason }),
    h('button', { type: 'submit', class: 'secondary danger', i18n: 'cw.consent.withdraw' }));
  return submitter(form, c, () => {
    const body = {};
    if (c.reason.value.trim()) body.reason = c.reason.value;
    return api.post(`/v1/consents/${consent.id}/withdraw`, body);
  }, onDone);
}

/** A list file (CSV or XLSX) sent as it is; its row errors in a table. */
function importForm(report, { onImported }) {
  const file = h('input', { type: 'file', accept: `.csv,.xlsx,text/csv,${XLSX}` });
  const result = h('div', { class: 'import-result' });
  const form = h('form', { class: 'cw-form import', novalidate: true },
    h('h4', { i18n: 'cw.import.title' }),
    field({ id: `import-${report.id}`, label: 'cw.import.file', hint: 'cw.import.hint', control: file, required: true }),
    h('button', { type: 'submit', class: 'secondary', i18n: 'cw.import.submit' }),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return;
    const type = chosen.name.toLowerCase().endsWith('.xlsx') ? XLSX : 'text/csv';
    result.replaceChildren();
    try {
      const answer = await api.request(`/v1/reports/${report.id}/beneficiaries:import`, { method: 'POST', body: chosen, headers: { 'Content-Type': type } });
      result.replaceChildren(notice('success', h('p', { i18n: 'cw.import.result', args: { imported: answer.data.imported, skipped: answer.data.skipped } })));
      form.reset();
      onImported();
    } catch (error) {
      const errors = error instanceof api.ApiError ? error.fieldErrors : [];
      if (!errors.length) {
        result.replaceChildren(errorNotice(error));
        return;
      }
      result.replaceChildren(notice('error', h('p', { i18n: 'cw.import.errors', args: { n: errors.length } })),
        h('div', { class: 'table-wrap' }, h('table', { class: 'row-errors' },
          h('caption', { i18n: 'cw.import.errors.caption' }),
          h('thead', {}, h('tr', {}, ['cw.col.row', 'cw.col.field', 'cw.col.message'].map((k) => h('th', { scope: 'col', i18n: k })))),
          h('tbody', {}, ...errors.map((e) => h('tr', {},
            h('td', { text: e.row ?? '' }), h('td', { class: 'mono', text: e.field }), h('td', { message: e.message })))))));
    }
  });
  return form;
}

/** `#/units/<code>/services`: what the unit still has to deliver, and the follow-ups due. */
export async function unitServicesView(main, { code }, ctx) {
  setTitle('cw.unit.title');
  const planned = h('div');
  const followUps = h('div');
  main.append(pageHead('cw.unit.title', {}, 'cw.unit.intro'),
    h('section', { class: 'card', 'aria-labelledby': 'planned-h' }, h('h2', { id: 'planned-h', i18n: 'cw.unit.planned' }), planned),
    h('section', { class: 'card', 'aria-labelledby': 'followups-h' }, h('h2', { id: 'followups-h', i18n: 'cw.unit.followups' }), followUps));
  const [toDeliver, due] = await Promise.all([
    api.get(`/v1/units/${encodeURIComponent(code)}/services?status=planned&limit=500`, { signal: ctx.signal }),
    api.get(`/v1/units/${encodeURIComponent(code)}/services?follow_up_due=true&limit=500`, { signal: ctx.signal }),
  ]);
  planned.replaceChildren(lines(toDeliver.items ?? [], 'due_on', 'cw.unit.none.planned'));
  followUps.replaceChildren(lines(due.items ?? [], 'follow_up_due_on', 'cw.unit.none.followups'));
}

function lines(items, dayField, emptyKey) {
  if (!items.length) return h('p', { class: 'muted', i18n: emptyKey });
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, ['cw.col.day', 'cw.col.case', 'cw.col.person', 'cw.col.service'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, ...items.map((s) => h('tr', { class: s.overdue ? 'overdue' : null },
      h('td', { text: s[dayField] ?? s.due_on }),
      h('td', {}, h('a', { href: `#/reports/${s.report_id}`, text: s.ticket ?? s.report_id })),
      h('td', { text: s.beneficiary_name ?? '' }),
      h('td', {}, s.item ? t(`cw.device.${s.item}`) : t(`cw.component.${s.component}`), ' × ', String(s.quantity)))))));
}

/** Shown once on the unit's pages: a link to its delivery list. */
export function unitServicesLink(code) {
  return h('a', { href: `#/units/${encodeURIComponent(code)}/services`, i18n: 'cw.unit.link' });
}

