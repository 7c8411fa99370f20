// Small DOM helpers: element construction with language-aware text, labelled
// form fields, and field errors tied to their controls for assistive tech.

import { formatTime, message, t, vocab, lang } from './i18n.js';

const BOOLEAN_PROPS = new Set(['checked', 'disabled', 'selected', 'hidden', 'multiple', 'open']);

/**
 * Creates an element. Besides attributes, `props` understands:
 * `text`, `i18n` (+ `args`), `vocab` ("status:assigned"), `labels` ([id, en]),
 * `time` (ISO), `message` (an API message), `attrs` ({attribute: key}),
 * `on` ({event: handler}), `dataset`, `value` and boolean properties.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    switch (key) {
      case 'class':
        el.className = value;
        break;
      case 'text':
        el.textContent = value;
        break;
      case 'i18n':
        el.dataset.i18n = value;
        el.textContent = t(value, props.args ?? {});
        break;
      case 'args':
        el.dataset.i18nArgs = JSON.stringify(value);
        break;
      case 'attrs':
        el.dataset.i18nAttr = Object.entries(value).map(([attr, k]) => `${attr}=${k}`).join(';');
        for (const [attr, k] of Object.entries(value)) el.setAttribute(attr, t(k, props.args ?? {}));
        break;
      case 'vocab': {
        el.dataset.vocab = value;
        const [kind, v] = value.split(':');
        el.textContent = vocab(kind, v);
        break;
      }
      case 'labels':
        el.dataset.lId = value[0];
        el.dataset.lEn = value[1];
        el.textContent = lang() === 'id' ? value[0] : value[1];
        break;
      case 'time':
        el.dataset.time = value;
        if (tag === 'time') el.setAttribute('datetime', value);
        el.textContent = formatTime(value);
        break;
      case 'message':
        el.dataset.message = value;
        el.textContent = message(value);
        break;
      case 'on':
        for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
        break;
      case 'dataset':
        Object.assign(el.dataset, value);
        break;
      case 'value':
        el.value = value;
        break;
      default:
        if (BOOLEAN_PROPS.has(key)) el[key] = Boolean(value);
        else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children (text or elements), for the charts and the map. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** A `<select>` with a placeholder and options `[{value, i18n|vocab|labels|text}]`. */
export function select(id, options, { placeholder = true, value } = {}) {
  const el = h('select', { id, name: id });
  if (placeholder) el.append(h('option', { value: '', i18n: 'field.choose' }));
  for (const option of options) {
    const { value: v, ...label } = option;
    el.append(h('option', { value: v, ...label }));
  }
  if (value !== undefined) el.value = value;
  return el;
}

/**
 * A labelled field: `<label for>`, an optional hint, the control, and room
 * for its error. The control is described by the hint (and later the error).
 */
export function field({ id, label, args, control, hint, required = false, className = '' }) {
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint`, i18n: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  if (required) control.setAttribute('aria-required', 'true');
  const labelEl = h(
    'label',
    { for: id },
    h('span', { i18n: label, args }),
    required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
  );
  return h('div', { class: `field ${className}`.trim() }, labelEl, hintEl, control);
}

/** A checkbox with its label after it. */
export function checkbox({ id, label }) {
  const input = h('input', { type: 'checkbox', id, name: id });
  return h('div', { class: 'field check' }, input, h('label', { for: id, i18n: label }));
}

/**
 * Shows an error next to `control`, described by it: an API message, or the
 * console's own text when `key` is given.
 */
export function setFieldError(control, text, key) {
  const id = `${control.id}-error`;
  let error = document.getElementById(id);
  if (!error) {
    error = h('p', { class: 'field-error', id });
    control.insertAdjacentElement('afterend', error);
  }
  if (key) {
    delete error.dataset.message;
    error.dataset.i18n = key;
    error.textContent = t(key);
  } else {
    delete error.dataset.i18n;
    error.dataset.message = text;
    error.textContent = message(text);
  }
  control.setAttribute('aria-invalid', 'true');
  const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  if (!described.includes(id)) control.setAttribute('aria-describedby', [...described, id].join(' '));
}

/** Removes every field error inside `root`. */
export function clearFieldErrors(root) {
  for (const error of root.querySelectorAll('.field-error')) {
    const control = document.getElementById(error.id.replace(/-error$/, ''));
    if (control) {
      control.removeAttribute('aria-invalid');
      const rest = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((d) => d && d !== error.id);
      if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    error.remove();
  }
}

/** A status (or urgency) badge. */
export function badge(kind, value) {
  return h('span', { class: `badge ${kind}-${value}`, vocab: `${kind}:${value}` });
}

/** An alert box: `kind` is `error`, `info` or `success`. */
export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

/** Tells screen-reader users what just happened, politely. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}
