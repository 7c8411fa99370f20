// Signing in: with a staff account's email and password (and TOTP code), through
// the organisation's identity provider ("Masuk dengan SSO") when the server has
// one, and on a development server with a role picker or a pasted token.

import * as api from './api.js';
import { clearFieldErrors, field, h, notice, select, setFieldError } from './dom.js';
import { errorNotice, problemText, setTitle } from './page.js';
import { app } from './state.js';

/** Roles that work in the console: integrators are partners' systems. */
const consoleRoles = () => app.vocabulary.roles.filter((r) => r !== 'integrator');

/**
 * The sign-in page; `signIn(pair | token)` starts the console with a staff
 * session's token pair, or (development) a token.
 */
export async function signInView(main, signIn) {
  setTitle('signin.title');
  const expired = sessionStorage.getItem('sigap.expired');
  sessionStorage.removeItem('sigap.expired');
  const wrap = h('div', { class: 'signin' },
    h('div', { class: 'page-head' }, h('h1', { i18n: 'signin.title', tabindex: '-1' })),
    expired ? notice('error', h('p', { i18n: 'error.expired' })) : null);
  const grid = h('div', { class: 'signin-grid' });
  wrap.append(grid);
  main.append(wrap);
  grid.append(passwordSignIn(signIn));
  if (app.config.oidc) {
    grid.append(h('div', { class: 'card stack', 'aria-labelledby': 'signin-sso-h' },
      h('h2', { id: 'signin-sso-h', i18n: 'signin.sso.title' }),
      h('p', { i18n: 'signin.sso.intro' }),
      h('div', { class: 'actions' }, h('a', { href: '/v1/auth/oidc/start', class: 'button primary', i18n: 'signin.sso' }))));
  }
  if (app.config.dev) {
    grid.append(await devSignIn(signIn));
    grid.append(tokenSignIn(signIn));
  }
}

/**
 * Email and password; the TOTP code is asked for when the server says the
 * account needs one (401 `/problems/totp-required`).
 */
function passwordSignIn(signIn) {
  const email = h('input', { type: 'email', autocomplete: 'username', spellcheck: 'false' });
  const password = h('input', { type: 'password', autocomplete: 'current-password' });
  const totp = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6' });
  const totpField = field({ id: 'signin-totp', label: 'signin.totp', hint: 'signin.totp.hint', control: totp });
  totpField.hidden = true;
  const message = h('div');
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'signin-password-h' },
    h('h2', { id: 'signin-password-h', i18n: 'signin.password.title' }),
    field({ id: 'signin-email', label: 'signin.email', control: email, required: true }),
    field({ id: 'signin-password', label: 'signin.password', control: password, required: true }),
    totpField, message,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', i18n: 'signin.submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    if (!email.value.trim() || !password.value) {
      setFieldError(email.value.trim() ? password : email, '', 'signin.password.empty');
      return;
    }
    const body = { email: email.value.trim(), password: password.value };
    if (!totpField.hidden && totp.value.trim()) body.totp = totp.value.trim();
    try {
      const { data } = await api.post('/v1/auth/login', body, { auth: false });
      signIn(data);
    } catch (error) {
      const type = error instanceof api.ApiError ? error.problem.type : null;
      if (type === '/problems/totp-required') {
        totpField.hidden = false;
        setFieldError(totp, '', 'signin.totp.needed');
        totp.focus();
      } else if (type === '/problems/invalid-credentials') {
        message.replaceChildren(notice('error', h('p', { i18n: 'signin.password.invalid' })));
        password.focus();
      } else if (error instanceof api.ApiError && error.status === 429) {
        message.replaceChildren(notice('error', h('p', { i18n: 'signin.password.locked' })));
      } else {
        message.replaceChildren(errorNotice(error));
      }
    }
  });
  return form;
}

/** A token from an administrator (`sigap-api token`), for development servers. */
function tokenSignIn(signIn) {
  const tokenInput = h('textarea', { rows: '4', spellcheck: 'false', autocomplete: 'off', class: 'mono' });
  const tokenForm = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'signin-token-h' },
    h('h2', { id: 'signin-token-h', i18n: 'signin.token.submit' }),
    h('p', { i18n: 'signin.intro' }),
    field({ id: 'signin-token', label: 'signin.token', hint: 'signin.token.hint', control: tokenInput }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', i18n: 'signin.token.submit' })));
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
  return tokenForm;
}

/**
 * The landing of a sign-in through the identity provider: the one-time code
 * of the redirect becomes a session (`POST /v1/auth/session`).
 */
export async function ssoView(main, code, signIn) {
  setTitle('signin.sso.title');
  main.append(h('div', { class: 'page-head' }, h('h1', { i18n: 'signin.sso.title', tabindex: '-1' })),
    h('p', { i18n: 'loading' }));
  try {
    const { data } = await api.post('/v1/auth/session', { code }, { auth: false });
    signIn(data);
  } catch (error) {
    main.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { i18n: 'signin.sso.title', tabindex: '-1' })),
      error instanceof api.ApiError && error.status === 401
        ? notice('error', h('p', { i18n: 'signin.sso.failed' }))
        : errorNotice(error),
      h('p', {}, h('a', { href: '#/signin', i18n: 'signin.again' })));
  }
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
