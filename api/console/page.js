// Pieces every page is built from: its title and heading, region names,
// error notices, the live indicator, and where each role starts.

import * as api from './api.js';
import { h, notice } from './dom.js';
import { t } from './i18n.js';
import { app, regenciesOf } from './state.js';

export const NAV = {
  operator: [['#/intake', 'nav.intake'], ['#/reports', 'nav.reports']],
  supervisor: [['#/triage', 'nav.triage'], ['#/intake', 'nav.intake'], ['#/reports', 'nav.reports'], ['#/stats', 'nav.stats'], ['#/units', 'nav.units'], ['#/holidays', 'nav.holidays'], ['#/subject-requests', 'nav.subject_requests']],
  upt_staff: [['#/cases', 'nav.cases'], ['#/deliveries', 'nav.deliveries']],
  regional: [['#/reports', 'nav.reports'], ['#/stats', 'nav.stats']],
  admin: [['#/staff', 'nav.staff'], ['#/units', 'nav.units'], ['#/holidays', 'nav.holidays'], ['#/subject-requests', 'nav.subject_requests']],
  integrator: [['#/units', 'nav.units']],
};

export function homeOf(r) {
  return NAV[r]?.[0]?.[0] ?? '#/units';
}

/** A region's name (regency, province), filled in once it is known. */
export function regionEl(code) {
  const el = h('span', { class: 'region', dataset: { region: code }, text: regionText(code) });
  if (code?.includes('.') && !app.regionNames.has(code)) {
    regenciesOf(code.slice(0, 2)).then(() => {
      for (const span of document.querySelectorAll(`[data-region="${code}"]`)) span.textContent = regionText(code);
    }).catch(() => {});
  }
  return el;
}

export function regionText(code) {
  if (!code) return t('none');
  const province = app.regionNames.get(code.slice(0, 2));
  const own = app.regionNames.get(code);
  if (code.includes('.')) return own ? `${own}, ${province ?? code.slice(0, 2)}` : code;
  return province ?? code;
}

export function setTitle(key, args = {}) {
  app.titleKey = key;
  app.titleArgs = args;
  document.title = `${t(key, args)} · Sigap`;
}

export function problemText(error) {
  if (error instanceof api.NetworkError) return t('error.network');
  if (error instanceof api.ApiError) {
    const p = error.problem;
    return [p.title, p.detail].filter(Boolean).join(': ') || `HTTP ${error.status}`;
  }
  return String(error?.message ?? error);
}

export function errorNotice(error) {
  if (error instanceof api.NetworkError) return notice('error', h('p', { i18n: 'error.network' }));
  if (error instanceof api.ApiError && error.status === 403) return notice('error', h('p', { i18n: 'error.forbidden' }));
  return notice('error', h('p', { i18n: 'error.generic', args: { detail: problemText(error) } }));
}

export function pageHead(titleKey, args, introKey, ...extra) {
  setTitle(titleKey, args);
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', { i18n: titleKey, args, tabindex: '-1' }), introKey ? h('p', { class: 'lede', i18n: introKey }) : null),
    ...extra);
}

export function liveIndicator() {
  return h('p', { class: 'live-indicator' }, h('span', { class: 'pulse', 'aria-hidden': 'true' }), h('span', { i18n: 'refreshing' }));
}
