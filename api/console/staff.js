// Staff accounts: the admins' directory of the people who sign in (list with
// filters and cursors, add, edit, deactivate), and each person's own account
// page (change the password, enrol TOTP in an authenticator app).

import * as api from './api.js';
import { announce, checkbox, clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { errorNotice, pageHead, regionText } from './page.js';
import { app, unitName } from './state.js';

/** The roles a staff account may hold (integrators are API clients). */
const STAFF_ROLES = ['operator', 'supervisor', 'upt_staff', 'regional', 'admin'];
const PAGE_SIZE = 50;

/** Shows an API's field errors next to the controls named by `controls`. */
function showErrors(error, controls, fallback, message) {
  const errors = error instanceof api.ApiError ? error.fieldErrors : [];
  for (const { field: name, message: text } of errors) setFieldError(controls[name] ?? fallback, text);
  if (!errors.length) message.replaceChildren(errorNotice(error));
}

/**
 * The role, unit and region controls of an account, the unit shown for UPT
 * staff only and the region for regional offices only.
 */
function placementFields(prefix, person = {}) {
  const roleSelect = select(`${prefix}-role`, STAFF_ROLES.map((r) => ({ value: r, vocab: `role:${r}` })), { value: person.role ?? '' });
  const unitSelect = select(`${prefix}-unit`, app.units.map((u) => ({ value: u.code, text: u.name })), { value: person.unit_code ?? '' });
  const regionSelect = select(`${prefix}-region`, app.provinces.map((p) => ({ value: p.code, text: `${p.name} (${p.code})` })), { value: person.region_code ?? '' });
  const roleField = field({ id: `${prefix}-role`, label: 'staff.role', control: roleSelect, required: true });
  const unitField = field({ id: `${prefix}-unit`, label: 'staff.unit', control: unitSelect, required: true });
  const regionField = field({ id: `${prefix}-region`, label: 'staff.region', control: regionSelect, required: true });
  const sync = () => {
    unitField.hidden = roleSelect.value !== 'upt_staff';
    regionField.hidden = roleSelect.value !== 'regional';
  };
  roleSelect.addEventListener('change', sync);
  sync();
  return {
    fields: [roleField, unitField, regionField],
    controls: { role: roleSelect, unit_code: unitSelect, region_code: regionSelect },
    values: () => ({
      role: roleSelect.value,
      unit_code: roleSelect.value === 'upt_staff' ? unitSelect.value || null : null,
      region_code: roleSelect.value === 'regional' ? regionSelect.value || null : null,
    }),
  };
}

function placeText(person) {
  if (person.unit_code) return unitName(person.unit_code);
  if (person.region_code) return regionText(person.region_code);
  return '—';
}

/** The admins' staff directory. */
export async function staffView(main, _params, ctx) {
  const roleFilter = select('staff-filter-role', STAFF_ROLES.map((r) => ({ value: r, vocab: `role:${r}` })));
  const unitFilter = select('staff-filter-unit', app.units.map((u) => ({ value: u.code, text: u.name })));
  const activeFilter = select('staff-filter-active', [
    { value: 'true', i18n: 'staff.active.yes' }, { value: 'false', i18n: 'staff.active.no' },
  ]);
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', i18n: 'staff.more', hidden: true });
  const status = h('div');
  let cursor = null;

  const filters = h('form', { class: 'filters', 'aria-label': 'filters' },
    field({ id: 'staff-filter-role', label: 'staff.role', control: roleFilter }),
    field({ id: 'staff-filter-unit', label: 'staff.unit', control: unitFilter }),
    field({ id: 'staff-filter-active', label: 'staff.active', control: activeFilter }),
    h('div', { class: 'actions end' }, h('button', { type: 'submit', class: 'secondary', i18n: 'staff.filter' })));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    load(true);
  });
  more.addEventListener('click', () => load(false));

  const adder = addForm(() => load(true));
  main.append(pageHead('staff.title', {}, 'staff.intro'),
    h('section', { class: 'card', 'aria-labelledby': 'staff-list-h' },
      h('h2', { id: 'staff-list-h', i18n: 'staff.list' }),
      filters, status,
      h('div', { class: 'table-wrap' }, h('table', { class: 'staff-table' },
        h('thead', {}, h('tr', {}, ['staff.name', 'staff.email', 'staff.role', 'staff.place', 'staff.active', 'staff.actions']
          .map((key) => h('th', { scope: 'col', i18n: key })))),
        rows)),
      h('div', { class: 'actions start' }, more)),
    adder);

  async function load(fresh) {
    if (fresh) {
      cursor = null;
      rows.replaceChildren();
    }
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (roleFilter.value) query.set('role', roleFilter.value);
    if (unitFilter.value) query.set('unit', unitFilter.value);
    if (activeFilter.value) query.set('active', activeFilter.value);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api.get(`/v1/staff?${query}`, { signal: ctx.signal });
      status.replaceChildren();
      for (const person of page.items) rows.append(row(person));
      if (!rows.children.length) status.replaceChildren(h('p', { class: 'muted', i18n: 'staff.none' }));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      if (error.name !== 'AbortError') status.replaceChildren(errorNotice(error));
    }
  }

  function row(person) {
    const tr = h('tr', { dataset: { id: person.id, email: person.email } },
      h('td', { text: person.name }),
      h('td', { text: person.email }),
      h('td', { vocab: `role:${person.role}` }),
      h('td', { text: placeText(person) }),
      h('td', { i18n: person.active ? 'staff.active.yes' : 'staff.active.no' }),
      h('td', {},
        h('button', { type: 'button', class: 'link', i18n: 'staff.edit', on: { click: () => edit(tr, person) } }),
        person.active
          ? h('button', { type: 'button', class: 'link danger', i18n: 'staff.deactivate', on: { click: () => deactivate(tr, person) } })
          : null));
    return tr;
  }

  async function deactivate(tr, person) {
    try {
      const { data } = await api.request(`/v1/staff/${person.id}`, { method: 'PATCH', body: { active: false } });
      tr.replaceWith(row(data));
      announce(`${data.name}: ${document.documentElement.lang === 'en' ? 'deactivated' : 'dinonaktifkan'}`);
    } catch (error) {
      status.replaceChildren(errorNotice(error));
    }
  }

  function edit(tr, person) {
    const prefix = `staff-edit-${person.id.slice(0, 8)}`;
    const name = h('input', { type: 'text', value: person.name, maxlength: '200' });
    const placement = placementFields(prefix, person);
    const active = checkbox({ id: `${prefix}-active`, label: 'staff.active' });
    active.querySelector('input').checked = person.active;
    const message = h('div');
    const form = h('form', { class: 'stack', novalidate: true },
      field({ id: `${prefix}-name`, label: 'staff.name', control: name, required: true }),
      ...placement.fields, active, message,
      h('div', { class: 'actions start' },
        h('button', { type: 'submit', class: 'primary', i18n: 'staff.save' }),
        h('button', { type: 'button', class: 'secondary', i18n: 'staff.cancel', on: { click: () => editRow.replaceWith(tr) } })));
    const editRow = h('tr', { class: 'staff-edit' }, h('td', { colspan: '6' }, form));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      message.replaceChildren();
      const wanted = { name: name.value.trim(), ...placement.values(), active: active.querySelector('input').checked };
      // Only what changed is sent: a change of role, unit or region ends the person's sessions.
      const body = {};
      for (const [key, value] of Object.entries(wanted)) {
        if ((person[key] ?? null) !== value) body[key] = value;
      }
      if (!Object.keys(body).length) {
        editRow.replaceWith(tr);
        return;
      }
      try {
        const { data } = await api.request(`/v1/staff/${person.id}`, { method: 'PATCH', body });
        editRow.replaceWith(row(data));
      } catch (error) {
        showErrors(error, { name, ...placement.controls }, name, message);
      }
    });
    tr.replaceWith(editRow);
    name.focus();
  }

  await load(true);
}

/** The form that adds a person; a generated one-time password is shown once. */
function addForm(added) {
  const email = h('input', { type: 'email', autocomplete: 'off', spellcheck: 'false' });
  const name = h('input', { type: 'text', maxlength: '200', autocomplete: 'off' });
  const password = h('input', { type: 'password', autocomplete: 'new-password' });
  const placement = placementFields('staff-new');
  const message = h('div');
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'staff-new-h' },
    h('h2', { id: 'staff-new-h', i18n: 'staff.add' }),
    field({ id: 'staff-new-email', label: 'staff.email', control: email, required: true }),
    field({ id: 'staff-new-name', label: 'staff.name', control: name, required: true }),
    ...placement.fields,
    field({ id: 'staff-new-password', label: 'staff.password', hint: 'staff.password.hint', control: password }),
    message,
    h('div', { class: 'actions start' }, h('button', { type: 'submit', class: 'primary', i18n: 'staff.add.submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const body = { email: email.value.trim(), name: name.value.trim(), ...placement.values() };
    if (password.value) body.password = password.value;
    try {
      const { data } = await api.post('/v1/staff', body);
      form.reset();
      placement.controls.role.dispatchEvent(new Event('change'));
      message.replaceChildren(notice('success',
        h('p', { i18n: 'staff.added', args: { name: data.name } }),
        data.one_time_password
          ? h('p', {}, h('span', { i18n: 'staff.one_time_password' }), ' ', h('code', { class: 'one-time-password', text: data.one_time_password }))
          : null));
      added();
    } catch (error) {
      showErrors(error, { email, name, password, ...placement.controls }, email, message);
    }
  });
  return form;
}

/** Takes a fresh token pair after a change that lifts an enrol-only token. */
async function renewSession() {
  const current = api.refreshToken();
  if (!current) return;
  const { data } = await api.post('/v1/auth/refresh', { refresh_token: current }, { auth: false });
  api.setSession(data);
  document.dispatchEvent(new CustomEvent('sigap:session'));
}

/** The signed-in person's own account: password and TOTP. */
export async function accountView(main, _params, ctx) {
  if (!app.claims?.sid) {
    main.append(pageHead('account.title'), notice('info', h('p', { i18n: 'account.no_session' })));
    return;
  }
  const me = await api.get('/v1/me', { signal: ctx.signal });
  main.append(pageHead('account.title'),
    h('section', { class: 'card stack', 'aria-labelledby': 'account-me-h' },
      h('h2', { id: 'account-me-h', text: me.name }),
      h('p', {}, h('span', { text: me.email }), ' · ', h('span', { vocab: `role:${me.role}` }),
        me.unit_code || me.region_code ? ` · ${placeText(me)}` : '')),
    me.must_change_password ? notice('error', h('p', { i18n: 'account.must_change' })) : null,
    me.role === 'admin' && !me.totp_enabled ? notice('error', h('p', { i18n: 'account.totp_required' })) : null,
    passwordForm(me),
    totpCard(me));
}

function passwordForm(me) {
  const current = h('input', { type: 'password', autocomplete: 'current-password' });
  const next = h('input', { type: 'password', autocomplete: 'new-password', minlength: '12' });
  const message = h('div');
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'account-password-h' },
    h('h2', { id: 'account-password-h', i18n: 'account.password' }),
    field({ id: 'account-current', label: 'account.password.current', control: current, required: true }),
    field({ id: 'account-new', label: 'account.password.new', hint: 'account.password.rules', control: next, required: true }),
    message,
    h('div', { class: 'actions start' }, h('button', { type: 'submit', class: 'primary', i18n: 'account.password.submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    try {
      await api.post('/v1/me/password', { current_password: current.value, new_password: next.value });
      form.reset();
      message.replaceChildren(notice('success', h('p', { i18n: 'account.password.changed' })));
      if (me.must_change_password) await renewSession();
    } catch (error) {
      showErrors(error, { current_password: current, new_password: next }, next, message);
    }
  });
  return form;
}

function totpCard(me) {
  const card = h('section', { class: 'card stack', 'aria-labelledby': 'account-totp-h' },
    h('h2', { id: 'account-totp-h', i18n: 'account.totp' }));
  if (me.totp_enabled) {
    card.append(h('p', { i18n: 'account.totp.enabled' }));
    return card;
  }
  const start = h('button', { type: 'button', class: 'secondary', i18n: 'account.totp.start' });
  const area = h('div', { class: 'stack' });
  card.append(h('p', { i18n: 'account.totp.intro' }), h('div', { class: 'actions start' }, start), area);
  start.addEventListener('click', async () => {
    try {
      const { data } = await api.post('/v1/me/totp', undefined);
      const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' });
      const message = h('div');
      const form = h('form', { class: 'stack', novalidate: true },
        h('p', {}, h('span', { i18n: 'account.totp.secret' }), ' ', h('code', { class: 'totp-secret', text: data.secret })),
        h('p', {}, h('span', { i18n: 'account.totp.uri' }), ' ', h('code', { class: 'totp-uri', text: data.otpauth_uri })),
        field({ id: 'account-totp-code', label: 'account.totp.code', control: code, required: true }),
        message,
        h('div', { class: 'actions start' }, h('button', { type: 'submit', class: 'primary', i18n: 'account.totp.confirm' })));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        message.replaceChildren();
        try {
          await api.post('/v1/me/totp/confirm', { code: code.value.trim() });
          area.replaceChildren(notice('success', h('p', { i18n: 'account.totp.confirmed' })));
          start.hidden = true;
          await renewSession();
        } catch (error) {
          showErrors(error, { code }, code, message);
        }
      });
      area.replaceChildren(form);
      code.focus();
    } catch (error) {
      area.replaceChildren(errorNotice(error));
    }
  });
  return card;
}
