// Requests of data subjects (UU PDP) for supervisors and admins: the list,
// open ones first with their due time (72 hours) and the overdue ones marked,
// the form that records one, and each request with what it found, the
// download of its export and the form that completes it (for an erasure, the
// person's data are erased then).

import * as api from './api.js';
import { announce, clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { t } from './i18n.js';
import { errorNotice, pageHead, problemText } from './page.js';

const KINDS = ['access', 'rectification', 'erasure'];
const IDENTIFIERS = ['nik', 'phone', 'name_and_birth_date'];
const PAGE_SIZE = 50;

/** Shows an API's field errors next to the controls named by `controls`, the rest in `message`. */
function showErrors(error, controls, message) {
  const errors = error instanceof api.ApiError ? error.fieldErrors : [];
  let placed = 0;
  for (const { field: name, message: text } of errors) {
    const control = controls[name];
    if (control && !control.closest('[hidden]')) {
      setFieldError(control, text);
      placed += 1;
    }
  }
  if (placed < errors.length || !errors.length) message.replaceChildren(errorNotice(error));
}

function statusBadges(request) {
  return h('span', { class: 'badges' },
    h('span', { class: `badge subject-${request.status}`, i18n: `sr.status.${request.status}` }),
    request.overdue ? h('span', { class: 'badge overdue', i18n: 'sr.overdue' }) : null);
}

/** `#/subject-requests`: the list and the form that records a request. */
export async function subjectRequestsView(main, _params, ctx) {
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', i18n: 'sr.more', hidden: true });
  const status = h('div');
  let cursor = null;
  more.addEventListener('click', () => load(false));

  main.append(pageHead('sr.title', {}, 'sr.intro'),
    h('section', { class: 'card', 'aria-labelledby': 'sr-list-h' },
      h('h2', { id: 'sr-list-h', i18n: 'sr.list' }),
      status,
      h('div', { class: 'table-wrap' }, h('table', { class: 'subject-requests' },
        h('thead', {}, h('tr', {}, ['sr.col.kind', 'sr.col.identifier', 'sr.col.received', 'sr.col.due', 'sr.col.status']
          .map((key) => h('th', { scope: 'col', i18n: key })))),
        rows)),
      h('div', { class: 'actions start' }, more)),
    recordForm(() => load(true)));

  async function load(fresh) {
    if (fresh) cursor = null;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api.get(`/v1/subject-requests?${query}`, { signal: ctx.signal });
      if (fresh) rows.replaceChildren();
      status.replaceChildren();
      for (const request of page.items) rows.append(row(request));
      if (!rows.children.length) status.replaceChildren(h('p', { class: 'muted', i18n: 'sr.none' }));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      if (error.name !== 'AbortError') status.replaceChildren(errorNotice(error));
    }
  }

  function row(request) {
    return h('tr', { class: request.overdue ? 'overdue' : null, dataset: { id: request.id, status: request.status } },
      h('td', {}, h('a', { href: `#/subject-requests/${request.id}`, i18n: `sr.kind.${request.kind}` })),
      h('td', { i18n: `sr.identifier.${request.identifier}` }),
      h('td', {}, h('time', { time: request.received_at })),
      h('td', {}, h('time', { class: 'due', time: request.due_at })),
      h('td', {}, statusBadges(request)));
  }

  await load(true);
}

/** The form that records a request; the person is named by one identifier. */
function recordForm(recorded) {
  const p = 'sr-new';
  const c = {
    kind: select(`${p}-kind`, KINDS.map((k) => ({ value: k, i18n: `sr.kind.${k}` })), { value: 'access' }),
    identifier: select(`${p}-identifier`, IDENTIFIERS.map((k) => ({ value: k, i18n: `sr.identifier.${k}` })), { value: 'nik', placeholder: false }),
    nik: h('input', { type: 'text', inputmode: 'numeric', maxlength: '20', autocomplete: 'off' }),
    phone: h('input', { type: 'tel', maxlength: '20', autocomplete: 'off' }),
    name: h('input', { type: 'text', maxlength: '200', autocomplete: 'off' }),
    birth_date: h('input', { type: 'date' }),
    requested_by: h('input', { type: 'text', maxlength: '200', autocomplete: 'off' }),
    note: h('textarea', { rows: '2', maxlength: '2000' }),
  };
  const byIdentifier = {
    nik: [field({ id: `${p}-nik`, label: 'sr.nik', control: c.nik, required: true })],
    phone: [field({ id: `${p}-phone`, label: 'sr.phone', hint: 'field.reporter.phone.hint', control: c.phone, required: true })],
    name_and_birth_date: [
      field({ id: `${p}-name`, label: 'sr.name', hint: 'sr.name.hint', control: c.name, required: true }),
      field({ id: `${p}-birth`, label: 'sr.birth_date', control: c.birth_date, required: true }),
    ],
  };
  const sync = () => {
    for (const [key, fields] of Object.entries(byIdentifier)) for (const f of fields) f.hidden = key !== c.identifier.value;
  };
  c.identifier.addEventListener('change', sync);
  sync();
  const message = h('div');
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'sr-new-h' },
    h('h2', { id: 'sr-new-h', i18n: 'sr.add' }),
    field({ id: `${p}-kind`, label: 'sr.col.kind', control: c.kind, required: true }),
    field({ id: `${p}-identifier`, label: 'sr.identifier', control: c.identifier, required: true }),
    ...Object.values(byIdentifier).flat(),
    field({ id: `${p}-requested-by`, label: 'sr.requested_by', hint: 'sr.requested_by.hint', control: c.requested_by, required: true }),
    field({ id: `${p}-note`, label: 'sr.note', control: c.note, required: true }),
    message,
    h('div', { class: 'actions start' }, h('button', { type: 'submit', class: 'primary', i18n: 'sr.add.submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const body = { kind: c.kind.value || null, requested_by: c.requested_by.value.trim(), note: c.note.value.trim() };
    if (c.identifier.value === 'nik') body.nik = c.nik.value.trim();
    if (c.identifier.value === 'phone') body.phone = c.phone.value.trim();
    if (c.identifier.value === 'name_and_birth_date') body.name_and_birth_date = { name: c.name.value.trim(), birth_date: c.birth_date.value || null };
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const { data } = await api.post('/v1/subject-requests', body);
      form.reset();
      c.kind.value = 'access';
      c.identifier.value = 'nik';
      sync();
      message.replaceChildren(notice('success', h('p', {}, h('span', { i18n: 'sr.added' }), ' ',
        h('a', { href: `#/subject-requests/${data.id}`, i18n: 'sr.open' }))));
      announce(t('sr.added'));
      recorded();
    } catch (error) {
      showErrors(error, {
        kind: c.kind, nik: c.nik, phone: c.phone, 'name_and_birth_date.name': c.name, 'name_and_birth_date.birth_date': c.birth_date,
        requested_by: c.requested_by, note: c.note,
      }, message);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** `#/subject-requests/<id>`: one request, what it found, its export and its completion. */
export async function subjectRequestView(main, { id }, ctx) {
  const request = await api.get(`/v1/subject-requests/${id}`, { signal: ctx.signal });
  main.append(pageHead('sr.detail.title', {}, null, h('a', { href: '#/subject-requests', i18n: 'sr.back' })));
  const facts = [
    ['sr.col.kind', h('span', { i18n: `sr.kind.${request.kind}` })],
    ['sr.col.identifier', h('span', { i18n: `sr.identifier.${request.identifier}` })],
    ['sr.requested_by', h('span', { text: request.requested_by })],
    ['sr.note', h('span', { text: request.note })],
    ['sr.col.received', h('time', { time: request.received_at })],
    ['sr.col.due', h('time', { class: 'due', time: request.due_at })],
    ['sr.col.status', statusBadges(request)],
  ];
  if (request.completed_at) facts.push(['sr.completed_at', h('time', { time: request.completed_at })]);
  if (request.completion_note) facts.push(['sr.completion_note', h('span', { text: request.completion_note })]);
  main.append(h('section', { class: 'card', 'aria-labelledby': 'sr-facts-h' },
    h('h2', { id: 'sr-facts-h', i18n: `sr.kind.${request.kind}` }),
    h('dl', { class: 'facts' }, ...facts.map(([key, value]) => h('div', { class: 'fact' }, h('dt', { i18n: key }), h('dd', {}, value))))),
  matchesCard(request),
  exportCard(request));
  if (request.status === 'open') {
    main.append(completeForm(request, async () => {
      main.replaceChildren();
      await subjectRequestView(main, { id }, ctx);
    }));
  }
}

function matchesCard(request) {
  const matches = request.matches ?? { reports: [], beneficiaries: [], capped: false };
  const card = h('section', { class: 'card', 'aria-labelledby': 'sr-matches-h' },
    h('h2', { id: 'sr-matches-h', i18n: 'sr.matches' }),
    h('p', { i18n: 'sr.matches.count', args: { reports: matches.reports.length, people: matches.beneficiaries.length } }));
  if (matches.capped) card.append(notice('info', h('p', { i18n: 'sr.matches.capped' })));
  if (!matches.reports.length) return card;
  card.append(h('div', { class: 'table-wrap' }, h('table', { class: 'matches' },
    h('thead', {}, h('tr', {}, ['sr.col.ticket', 'sr.col.report_status', 'sr.col.as'].map((key) => h('th', { scope: 'col', i18n: key })))),
    h('tbody', {}, ...matches.reports.map((r) => h('tr', {},
      h('td', {}, h('a', { href: `#/reports/${r.id}`, text: r.ticket })),
      h('td', { vocab: `status:${r.status}` }),
      h('td', {}, [r.as_reporter ? t('sr.as.reporter') : null, r.as_beneficiary ? t('sr.as.beneficiary') : null].filter(Boolean).join(', '))))))));
  return card;
}

function exportCard(request) {
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'secondary sr-export', i18n: 'sr.export' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.replaceChildren();
    try {
      await api.download(`/v1/subject-requests/${request.id}/export`, `sigap-subject-request-${request.id}.json`);
      status.replaceChildren(h('p', { class: 'muted', i18n: 'sr.export.saved' }));
    } catch (error) {
      status.replaceChildren(notice('error', h('p', { text: problemText(error) })));
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'card stack', 'aria-labelledby': 'sr-export-h' },
    h('h2', { id: 'sr-export-h', i18n: 'sr.export.title' }),
    h('p', { i18n: 'sr.export.intro' }),
    h('div', { class: 'actions start' }, button), status);
}

function completeForm(request, completed) {
  const note = h('textarea', { rows: '2', maxlength: '2000' });
  const message = h('div');
  const erasure = request.kind === 'erasure';
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'sr-complete-h' },
    h('h2', { id: 'sr-complete-h', i18n: 'sr.complete' }),
    erasure ? notice('error', h('p', { i18n: 'sr.complete.erasure' })) : null,
    field({ id: 'sr-complete-note', label: 'sr.complete.note', control: note, required: true }),
    message,
    h('div', { class: 'actions start' },
      h('button', { type: 'submit', class: erasure ? 'primary danger' : 'primary', i18n: erasure ? 'sr.complete.erase' : 'sr.complete.submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await api.post(`/v1/subject-requests/${request.id}/complete`, { note: note.value.trim() });
      announce(t('sr.completed'));
      await completed();
    } catch (error) {
      showErrors(error, { note }, message);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
