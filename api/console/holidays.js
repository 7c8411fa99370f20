// The holiday calendar: the national holidays and collective-leave days of a
// year, which working-time deadlines skip. Admins add, rename and remove days
// (the dates of Islamic holidays can move after the official sighting).

import * as api from './api.js';
import { announce, clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { t } from './i18n.js';
import { errorNotice, pageHead } from './page.js';
import { role } from './state.js';

const KINDS = ['holiday', 'collective_leave'];

/** The current year in Jakarta (WIB, UTC+7), as the API defaults to. */
function currentYear() {
  return new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();
}

/** A day as "Jumat, 20 Maret 2026" and "Friday, 20 March 2026". */
function dayLabels(date) {
  const day = new Date(`${date}T00:00:00Z`);
  const format = (locale) => new Intl.DateTimeFormat(locale, {
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
  }).format(day);
  return [format('id-ID'), format('en-GB')];
}

export async function holidaysView(main, _params, ctx) {
  const admin = role() === 'admin';
  let year = currentYear();
  const years = [];
  for (let y = Math.min(2025, year - 1); y <= year + 2; y += 1) years.push(y);
  const yearSelect = select('holiday-year', years.map((y) => ({ value: String(y), text: String(y) })), {
    placeholder: false, value: String(year),
  });
  const list = h('div', { class: 'holiday-list' }, h('p', { class: 'muted', i18n: 'loading' }));
  const status = h('div', { class: 'holiday-status' });
  const form = admin ? editor() : null;

  main.append(pageHead('holidays.title', {}, admin ? 'holidays.intro.admin' : 'holidays.intro'),
    h('section', { class: 'card', 'aria-labelledby': 'holidays-h' },
      h('div', { class: 'filters' }, field({ id: 'holiday-year', label: 'holidays.year', control: yearSelect })),
      h('h2', { id: 'holidays-h', i18n: 'holidays.list', args: { year } }),
      status, list),
    form?.card);

  async function load() {
    const heading = document.getElementById('holidays-h');
    heading.dataset.i18nArgs = JSON.stringify({ year });
    heading.textContent = t('holidays.list', { year });
    try {
      const body = await api.get(`/v1/holidays?year=${year}`, { signal: ctx.signal });
      list.replaceChildren(table(body.holidays));
    } catch (error) {
      if (error.name !== 'AbortError') list.replaceChildren(errorNotice(error));
    }
  }

  function table(days) {
    if (!days.length) return h('p', { class: 'muted', i18n: 'holidays.none', args: { year } });
    const columns = ['holidays.date', 'holidays.name', 'holidays.kind'];
    if (admin) columns.push('holidays.actions');
    return h('div', { class: 'table-wrap' }, h('table', { class: 'holidays' },
      h('caption', { class: 'visually-hidden', i18n: 'holidays.list', args: { year } }),
      h('thead', {}, h('tr', {}, columns.map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, days.map((d) => h('tr', { dataset: { date: d.date, kind: d.kind } },
        h('td', {}, h('time', { datetime: d.date, labels: dayLabels(d.date) })),
        h('th', { scope: 'row', text: d.name }),
        h('td', {}, h('span', { class: `badge holiday-${d.kind}`, vocab: `holiday_kind:${d.kind}` })),
        admin ? h('td', { class: 'actions start' },
          h('button', {
            type: 'button', class: 'link', i18n: 'holidays.edit',
            attrs: { 'aria-label': 'holidays.edit.label' }, args: { name: d.name, date: d.date },
            on: { click: () => form.fill(d) },
          }),
          h('button', {
            type: 'button', class: 'link danger', i18n: 'holidays.remove',
            attrs: { 'aria-label': 'holidays.remove.label' }, args: { name: d.name, date: d.date },
            on: { click: () => remove(d) },
          })) : null)))));
  }

  async function remove(d) {
    status.replaceChildren();
    try {
      await api.request(`/v1/holidays/${d.date}`, { method: 'DELETE', signal: ctx.signal });
      status.replaceChildren(notice('success', h('p', { i18n: 'holidays.removed', args: { name: d.name, date: d.date } })));
      announce(t('holidays.removed', { name: d.name, date: d.date }));
      await load();
    } catch (error) {
      if (error.name !== 'AbortError') status.replaceChildren(errorNotice(error));
    }
  }

  /** The form that adds a day or changes one (PUT replaces the day). */
  function editor() {
    const date = h('input', { type: 'date', min: '2000-01-01', max: '2100-12-31', required: true });
    const name = h('input', { type: 'text', maxlength: '200', required: true, autocomplete: 'off' });
    const kind = select('holiday-kind', KINDS.map((k) => ({ value: k, vocab: `holiday_kind:${k}` })), { value: 'holiday' });
    const save = h('button', { type: 'submit', i18n: 'holidays.save' });
    const result = h('div', { class: 'holiday-result' });
    const controls = { date, name, kind };
    const el = h('form', { class: 'holiday-form', novalidate: true },
      field({ id: 'holiday-date', label: 'holidays.date', control: date, required: true }),
      field({ id: 'holiday-name', label: 'holidays.name', control: name, hint: 'holidays.name.hint', required: true }),
      field({ id: 'holiday-kind', label: 'holidays.kind', control: kind, required: true }),
      h('div', { class: 'actions start' }, save),
      result);
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(el);
      result.replaceChildren();
      if (!date.value) {
        setFieldError(date, null, 'holidays.date.required');
        date.focus();
        return;
      }
      save.disabled = true;
      try {
        const sent = { name: name.value, kind: kind.value };
        const response = await api.request(`/v1/holidays/${date.value}`, { method: 'PUT', body: sent, signal: ctx.signal });
        const key = response.status === 201 ? 'holidays.created' : 'holidays.replaced';
        const args = { name: response.data.name, date: response.data.date };
        result.replaceChildren(notice('success', h('p', { i18n: key, args })));
        announce(t(key, args));
        const savedYear = Number(response.data.date.slice(0, 4));
        if (savedYear !== year && years.includes(savedYear)) {
          year = savedYear;
          yearSelect.value = String(year);
        }
        await load();
      } catch (error) {
        if (error.name === 'AbortError') return;
        const errors = error instanceof api.ApiError ? error.problem?.errors ?? [] : [];
        let first = null;
        for (const { field: path, message } of errors) {
          const control = controls[path];
          if (control) {
            setFieldError(control, message);
            first ??= control;
          }
        }
        if (first) first.focus();
        else result.replaceChildren(errorNotice(error));
      } finally {
        save.disabled = false;
      }
    });
    const card = h('section', { class: 'card', 'aria-labelledby': 'holiday-form-h' },
      h('h2', { id: 'holiday-form-h', i18n: 'holidays.form' }),
      h('p', { class: 'muted small', i18n: 'holidays.form.hint' }),
      el);
    return {
      card,
      fill(d) {
        clearFieldErrors(el);
        result.replaceChildren();
        date.value = d.date;
        name.value = d.name;
        kind.value = d.kind;
        name.focus();
      },
    };
  }

  yearSelect.addEventListener('change', () => {
    year = Number(yearSelect.value);
    status.replaceChildren();
    load();
  });
  await load();
}
