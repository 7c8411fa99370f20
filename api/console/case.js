// One case: its facts, the people, the routing decision, the timeline, and
// what the caller may do with it, kept fresh while open.

import * as api from './api.js';
import { assignForm, caseForms, mayWork, statusActions } from './actions.js';
import { announce, badge, clearFieldErrors, field, h, notice, setFieldError } from './dom.js';
import { formatDuration, formatNumber, formatZoned, t, vocab } from './i18n.js';
import { attachmentsPanel } from './files.js';
import { caseworkPanel } from './casework.js';
import { errorNotice, homeOf, pageHead, regionEl, setTitle } from './page.js';
import { app, awaitsAssignment, categoryLabels, role, unitName } from './state.js';

export async function caseView(main, { id }, ctx) {
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
  let mergeFormFor = null;
  const merging = h('div');

  // Operators, supervisors and the unit holding the case may add files.
  const mayUpload = ['operator', 'supervisor'].includes(role()) || (role() === 'upt_staff' && app.claims?.unit === report.unit_code);
  const attachments = attachmentsPanel({ id, mayUpload, ctx, onUploaded: () => reload() });
  // The people's work, once a unit holds the case.
  const casework = report.unit_code ? caseworkPanel(report, { ctx, onChanged: () => reload() }) : null;
  const head = pageHead('case.title', { ticket: report.ticket }, null, headBadges);
  main.append(
    h('p', { class: 'back' }, h('a', { href: homeOf(role()), i18n: 'case.back' })),
    head,
    h('div', { class: 'case-layout' },
      h('div', { class: 'case-main' },
        h('section', { class: 'card', 'aria-labelledby': 'details-h' }, h('h2', { id: 'details-h', i18n: 'case.details' }), details),
        h('section', { class: 'card', 'aria-labelledby': 'people-h' }, h('h2', { id: 'people-h', i18n: 'case.reporter' }), people),
        casework ? h('section', { class: 'card', 'aria-labelledby': 'casework-h' }, h('h2', { id: 'casework-h', i18n: 'cw.title' }), casework.element) : null,
        h('section', { class: 'card', 'aria-labelledby': 'routing-h' }, h('h2', { id: 'routing-h', i18n: 'case.routing' }), routing),
        h('section', { class: 'card', 'aria-labelledby': 'attachments-h' }, h('h2', { id: 'attachments-h', i18n: 'attachments.title' }), attachments.element)),
      h('div', { class: 'case-side' },
        h('section', { class: 'card', 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h', i18n: 'case.actions' }), actions, actionMessages, forms, merging),
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
    if (role() === 'supervisor' && awaitsAssignment(report.status)) {
      actionParts.push(assignForm(report, { idPrefix: 'case', onAssigned: () => reload() }));
    }
    actions.replaceChildren(...actionParts);
    if (mayMerge(report) && report.status !== mergeFormFor) {
      mergeFormFor = report.status;
      merging.replaceChildren(mergeForm(report, { onMerged: (kept) => { window.location.hash = `#/reports/${kept.id}`; }, onStale: () => reload() }));
    } else if (!mayMerge(report)) {
      mergeFormFor = null;
      merging.replaceChildren();
    }
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

/** Supervisors merge any open case; unit staff the open cases their unit holds. */
function mayMerge(report) {
  return mayWork(report) && !['resolved', 'closed', 'cancelled', 'duplicate'].includes(report.status);
}

/**
 * Merging this case into the one kept: the case to keep by ticket or id, a
 * reason, and a confirmation naming both tickets before anything changes.
 */
function mergeForm(report, { onMerged, onStale }) {
  const into = h('input', { type: 'text', maxlength: '64', autocomplete: 'off', spellcheck: 'false', placeholder: 'CC-2026-000123' });
  const reason = h('textarea', { rows: '2', maxlength: '2000' });
  const message = h('div');
  const submit = h('button', { type: 'submit', class: 'secondary danger', i18n: 'case.merge.submit' });
  const form = h('form', { class: 'stack merge', novalidate: true },
    h('h3', { i18n: 'case.merge' }),
    field({ id: 'case-merge-into', label: 'case.merge.into', control: into, required: true }),
    field({ id: 'case-merge-reason', label: 'case.merge.reason', control: reason, required: true }),
    h('div', { class: 'actions start' }, submit),
    message);

  async function send() {
    message.replaceChildren();
    submit.disabled = true;
    try {
      const { data } = await api.post(`/v1/reports/${report.id}/merge`, { into: into.value.trim(), reason: reason.value },
        { headers: { 'If-Match': `"${report.version}"` } });
      announce(t('case.merge.done', { ticket: data.duplicate_of.ticket }));
      onMerged(data.duplicate_of);
    } catch (error) {
      submit.disabled = false;
      if (error instanceof api.ApiError && error.fieldErrors.length) {
        for (const fe of error.fieldErrors) setFieldError(fe.field === 'reason' ? reason : into, fe.message);
      } else if (error instanceof api.ApiError && error.status === 404) {
        setFieldError(into, t('case.merge.unknown'));
      } else if (error instanceof api.ApiError && error.status === 412) {
        message.replaceChildren(notice('info', h('p', { i18n: 'case.status.stale' })));
        onStale();
      } else message.replaceChildren(errorNotice(error));
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    if (!into.value.trim()) { setFieldError(into, t('case.merge.into.required')); return; }
    if (!reason.value.trim()) { setFieldError(reason, t('case.merge.reason.required')); return; }
    message.replaceChildren(notice('info',
      h('p', { i18n: 'case.merge.confirm', args: { ticket: report.ticket, into: into.value.trim() } }),
      h('div', { class: 'actions start' },
        h('button', { type: 'button', class: 'primary merge-confirm', i18n: 'case.merge.confirm.yes', on: { click: send } }),
        h('button', { type: 'button', class: 'secondary', i18n: 'case.merge.confirm.no', on: { click: () => message.replaceChildren() } }))));
  });
  return form;
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
    fact('case.deadline', r.deadline ? deadlineEl(r.deadline) : h('span', { i18n: 'none' })),
    fact('case.created', h('time', { time: r.created_at })),
    fact('case.updated', h('time', { time: r.updated_at })));
  // Only those who see personal data get the code that opens public tracking.
  if (r.tracking_code) dl.append(fact('case.tracking_code', h('span', { class: 'mono', text: r.tracking_code })));
  if (r.escalation_level) dl.append(fact('case.escalation', String(r.escalation_level)));
  if (r.triage_reason) dl.append(fact('case.triage_reason', h('span', { text: r.triage_reason })));
  if (r.previous_units?.length) dl.append(fact('case.previous_units', r.previous_units.map(unitName).join(', ')));
  if (r.duplicate_of) {
    dl.append(fact('case.merge.continues', h('a', { class: 'ticket continued-as', href: `#/reports/${r.duplicate_of.id}`, text: r.duplicate_of.ticket })));
  }
  if (r.merged_from?.length) {
    dl.append(fact('case.merge.merged_from', h('span', { class: 'merged-from' }, r.merged_from.flatMap((m, i) => [
      i ? ', ' : null, h('a', { class: 'ticket', href: `#/reports/${m.id}`, text: m.ticket })]))));
  }
  return h('div', {}, dl, h('h3', { i18n: 'case.description' }), h('p', { class: 'description', text: r.description }));
}

/**
 * The open stage's deadline: "due in 2 working days (Tue 10:00 WIT)", the
 * time in the unit's own zone; past due, "overdue since …", highlighted.
 */
export function deadlineEl(d) {
  const when = h('time', { datetime: d.due_at, dataset: { zoned: d.due_at, zone: d.time_zone } });
  when.textContent = formatZoned(d.due_at, d.time_zone);
  const overdue = d.overdue || new Date(d.due_at).getTime() < Date.now();
  let phrase;
  if (overdue) {
    phrase = h('span', { i18n: 'deadline.overdue' });
  } else {
    const working = /^(\d+)(wd|wh)$/.exec(d.allowance);
    if (working) {
      const n = Number(working[1]);
      const key = `deadline.due.${working[2]}`;
      phrase = h('span', { i18n: n === 1 ? `${key}1` : key, args: { n } });
    } else {
      phrase = h('span', {
        dataset: { rel: d.due_at, relKey: 'deadline.due.wall' },
        text: t('deadline.due.wall', { rel: formatDuration((new Date(d.due_at).getTime() - Date.now()) / 1000) }),
      });
    }
  }
  return h('span', { class: `deadline${overdue ? ' overdue' : ''}`, dataset: { stage: d.stage, overdue: String(overdue) } },
    h('span', { class: 'deadline-stage', i18n: `deadline.stage.${d.stage}` }), ': ', phrase, overdue ? ' ' : ' (', when, overdue ? '' : ')');
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
    // The reason is personal data: roles that may not see it get the transfer alone.
    parts.push(d.reason
      ? h('p', { i18n: 'case.routing.transfer', args: { from: unitName(d.from_unit), reason: d.reason } })
      : h('p', { i18n: 'case.routing.transfer_plain', args: { from: unitName(d.from_unit) } }));
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
    e.kind === 'merged_into' && e.details?.into_ticket
      ? h('p', {}, h('a', { class: 'ticket', href: `#/reports/${e.details.into}`, text: e.details.into_ticket })) : null,
    e.kind === 'merged_from' && e.details?.from_ticket
      ? h('p', {}, h('a', { class: 'ticket', href: `#/reports/${e.details.from}`, text: e.details.from_ticket })) : null,
    e.note ? h('p', { class: 'event-note', text: e.note }) : null,
    h('p', { class: 'muted small' }, h('span', {
      i18n: 'case.timeline.by', args: { actor: e.actor, role: vocab('role', e.actor_role) },
    })))));
}
