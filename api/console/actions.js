// Working a case: the status buttons, the note and transfer forms, and the
// supervisor's assignment, shared by the case page, the unit queue and triage.

import * as api from './api.js';
import { announce, clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { t, vocab } from './i18n.js';
import { errorNotice } from './page.js';
import { allowedNext, app, isOpenAtUnit, role, unitName } from './state.js';

/** Whether only routing sets `status`: at intake, or by assigning or transferring a case. */
const setByRouting = (status) => app.vocabulary.set_by_routing.includes(status);
/** Whether `status` ends a case early, which only supervisors do. */
const endsEarly = (status) => app.vocabulary.supervisor_only.includes(status);

export function mayWork(report) {
  return role() === 'supervisor' || (role() === 'upt_staff' && report.unit_code && report.unit_code === app.claims.unit);
}

/** Of `statuses`, those the caller may ask for with a status button. */
function offered(statuses) {
  return statuses
    .filter((s) => !setByRouting(s))
    .filter((s) => role() === 'supervisor' || !endsEarly(s));
}

/**
 * Buttons for the next statuses of a case. Sends `If-Match` with the version
 * shown; on 409 offers the statuses the API allows now, on 412 reloads.
 */
export function statusActions(report, { onChanged, onStale, primaryOnly = false, messages }) {
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
        const allowed = offered(error.problem.allowed);
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

  const choices = offered(allowedNext(report.status));
  const shown = primaryOnly ? choices.filter((s) => !endsEarly(s)) : choices;
  shown.forEach((s, i) => buttons.append(h('button', {
    type: 'button',
    class: i === 0 && !endsEarly(s) ? 'primary' : endsEarly(s) ? 'secondary danger' : 'secondary',
    vocab: `action:${s}`,
    dataset: { status: s },
    on: { click: () => change(s) },
  })));
  if (!shown.length) buttons.append(h('p', { class: 'muted', i18n: 'case.actions.none' }));
  return { element: box };
}

/** Note and transfer forms for a case. */
export function caseForms(report, { onDone, idPrefix }) {
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

  if (mayWork(report) && isOpenAtUnit(report.status)) {
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
        const { data } = await api.post(`/v1/reports/${report.id}/transfer`, body, { headers: { 'If-Match': `"${report.version}"` } });
        announce(t('case.transfer.done'));
        onDone(data);
      } catch (error) {
        if (error instanceof api.ApiError && error.fieldErrors.length) {
          for (const fe of error.fieldErrors) setFieldError(fe.field === 'unit_code' ? unit : reason, fe.message);
        } else if (error instanceof api.ApiError && error.status === 412) {
          // Someone changed the case meanwhile: show the latest before a transfer is decided.
          message.replaceChildren(notice('info', h('p', { i18n: 'case.status.stale' })));
          announce(t('case.status.stale'));
          onDone();
        } else message.replaceChildren(errorNotice(error));
      }
    });
    forms.append(transferForm);
  }
  return forms;
}

export function assignForm(report, { idPrefix, onAssigned }) {
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
