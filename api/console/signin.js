// Signing in: with a bearer token, or on a development server with a role
// picker that mints one.

import * as api from './api.js';
import { clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { errorNotice, problemText, setTitle } from './page.js';
import { app } from './state.js';

/** Roles that work in the console: integrators are partners' systems. */
const consoleRoles = () => app.vocabulary.roles.filter((r) => r !== 'integrator');

/** The sign-in page; `signIn(token)` starts the console with a token that works. */
export async function signInView(main, signIn) {
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
  if (app.config.dev) grid.append(await devSignIn(signIn));
  grid.append(tokenForm);
}

/** The role picker of a development server (`POST /v1/dev/token`). */
async function devSignIn(signIn) {
  const roleSelect = select('dev-role', consoleRoles().map((r) => ({ value: r, vocab: `role:${r}` })), { placeholder: false });
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
