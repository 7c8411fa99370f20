// Statistics for planning: tiles and charts for a period and a region.

import * as api from './api.js';
import { barChart, columnChart } from './charts.js';
import { clearFieldErrors, field, h, notice, setFieldError } from './dom.js';
import { formatDuration, formatNumber, formatPercent, lang, t } from './i18n.js';
import { pageHead, problemText, regionText } from './page.js';
import { app, categories, categoryLabels, regenciesOf, role, unitName } from './state.js';

function dateInput(value) {
  return h('input', { type: 'date', value });
}

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function localMidnight(day, addDays = 0) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + addDays);
}

export async function statsView(main, _params, ctx) {
  const today = new Date();
  const from = dateInput(isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29)));
  const to = dateInput(isoDay(today));
  const region = h('select');
  if (role() === 'regional') {
    const own = app.claims.region;
    region.append(h('option', { value: own, text: regionText(own) }));
    for (const r of await regenciesOf(own)) region.append(h('option', { value: r.code, text: r.name }));
  } else {
    region.append(h('option', { value: '', i18n: 'stats.region.all' }));
    for (const p of app.provinces) region.append(h('option', { value: p.code, text: p.name }));
  }
  const form = h('form', { class: 'card filters', novalidate: true, 'aria-label': t('stats.title'), dataset: { i18nAttr: 'aria-label=stats.title' } },
    field({ id: 'stats-from', label: 'stats.from', control: from }),
    field({ id: 'stats-to', label: 'stats.to', control: to }),
    field({ id: 'stats-region', label: 'stats.region', control: region }),
    h('div', { class: 'actions end' }, h('button', { type: 'submit', class: 'primary', i18n: 'stats.apply' })));
  const output = h('div', { class: 'stats-output', 'aria-live': 'polite' });
  main.append(pageHead('stats.title', {}, 'stats.intro'), form, output);

  let stats = null;
  async function load() {
    clearFieldErrors(form);
    const params = new URLSearchParams();
    if (from.value) params.set('from', localMidnight(from.value).toISOString());
    if (to.value) params.set('to', localMidnight(to.value, 1).toISOString());
    if (region.value) params.set('region', region.value);
    output.replaceChildren(h('p', { class: 'muted', i18n: 'loading' }));
    try {
      stats = await api.get(`/v1/stats?${params}`, { signal: ctx.signal });
      draw();
    } catch (error) {
      if (error.name === 'AbortError') return;
      stats = null;
      const errors = error instanceof api.ApiError ? error.fieldErrors : [];
      for (const fe of errors) setFieldError({ from, to, region }[fe.field] ?? to, fe.message);
      output.replaceChildren(notice('error', h('h2', { i18n: 'stats.unavailable' }), h('p', { class: 'problem', text: problemText(error) })));
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });

  function draw() {
    if (!stats) return;
    const s = stats;
    const tiles = h('div', { class: 'tiles' },
      tile('stats.total', formatNumber(s.total)),
      tile('stats.people.reported', formatNumber(s.beneficiaries?.reported)),
      tile('stats.people.served', formatNumber(s.beneficiaries?.served)),
      tile('stats.sla.overall', formatPercent(s.sla?.overall?.compliance),
        s.sla?.overall ? t('stats.sla.detail', { met: formatNumber(s.sla.overall.met), missed: formatNumber(s.sla.overall.missed), due: formatNumber(s.sla.overall.due) }) : null),
      tile('stats.times.to_acknowledge', formatDuration(s.times?.to_acknowledge?.median_seconds), t('stats.times.median')));
    const grid = h('div', { class: 'chart-grid' });
    output.replaceChildren(...[tiles, s.total ? null : h('p', { class: 'muted', i18n: 'stats.nodata' }), grid].filter(Boolean));
    // Each chart is drawn at the width its card has, so that its text keeps
    // its size on a phone as on a desktop.
    const place = (draw, wide = false) => {
      const card = h('section', { class: wide ? 'card chart-card wide' : 'card chart-card' });
      grid.append(card);
      const style = getComputedStyle(card);
      const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      card.append(draw(Math.max(260, Math.floor(inner))));
    };

    const byPlace = s.region && s.by_regency?.length ? s.by_regency : s.by_province ?? [];
    place((width) => barChart({
      title: t(s.region && s.by_regency?.length ? 'stats.by_regency' : 'stats.by_province'),
      items: top(byPlace, 12).map((g) => ({ label: g.label, values: [g.count] })),
      series: [{ label: t('stats.col.count'), className: 'primary' }],
      width,
    }));
    place((width) => barChart({
      title: t('stats.by_category'),
      items: (s.by_category ?? []).map((g) => {
        const labels = categoryLabels(g.key);
        const label = categories().some((c) => c.code === g.key) ? (lang() === 'id' ? labels[0] : labels[1]) : g.label;
        return { label, values: [g.count] };
      }),
      series: [{ label: t('stats.col.count'), className: 'accent' }],
      width,
    }));
    const phases = ['to_assign', 'to_acknowledge', 'to_resolve'];
    place((width) => barChart({
      title: t('stats.times'),
      items: phases.map((p) => ({
        label: t(`stats.times.${p}`),
        values: [s.times?.[p]?.median_seconds ?? null, s.times?.[p]?.p90_seconds ?? null],
        note: t('stats.times.count', { n: formatNumber(s.times?.[p]?.count ?? 0) }),
      })),
      series: [{ label: t('stats.times.median'), className: 'primary' }, { label: t('stats.times.p90'), className: 'muted-bar' }],
      format: (v) => formatDuration(v),
      width,
    }));
    place((width) => barChart({
      title: t('stats.sla.by_unit'),
      items: (s.sla?.by_unit ?? []).map((g) => ({
        label: g.label || unitName(g.key),
        values: [g.compliance],
        note: t('stats.sla.unit.detail', { met: formatNumber(g.met), due: formatNumber(g.due) }),
        className: g.compliance === null ? 'muted-bar' : g.compliance >= 0.9 ? 'good' : g.compliance >= 0.7 ? 'warn' : 'bad',
      })),
      series: [{ label: t('stats.col.compliance'), className: 'good' }],
      format: (v) => formatPercent(v),
      max: 1,
      width,
    }));
    place((width) => columnChart({ title: t('stats.by_day'), items: days(s), width }), true);
  }

  function tile(key, value, detail) {
    return h('div', { class: 'tile' }, h('p', { class: 'tile-label', i18n: key }), h('p', { class: 'tile-value', text: value }),
      detail ? h('p', { class: 'tile-detail', text: detail }) : null);
  }

  function top(groups, n) {
    const sorted = [...groups].sort((a, b) => b.count - a.count);
    if (sorted.length <= n) return sorted;
    const rest = sorted.slice(n - 1);
    return [...sorted.slice(0, n - 1), { label: t('stats.others', { n: rest.length }), count: rest.reduce((sum, g) => sum + g.count, 0) }];
  }

  /** Every UTC day of the range, with the days without reports at zero. */
  function days(s) {
    const counts = new Map((s.by_day ?? []).map((g) => [g.key, g.count]));
    const out = [];
    const start = new Date(s.from);
    const end = new Date(s.to);
    const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
    const fmt = new Intl.DateTimeFormat(lang() === 'id' ? 'id-ID' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
    while (day < end && out.length < 400) {
      const key = day.toISOString().slice(0, 10);
      out.push({ label: key, short: fmt.format(day), value: counts.get(key) ?? 0 });
      day.setUTCDate(day.getUTCDate() + 1);
    }
    return out;
  }

  let resizeTimer = null;
  const onResize = () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(draw, 150);
  };
  window.addEventListener('resize', onResize);
  document.addEventListener('sigap:language', draw);
  ctx.onStop(() => {
    window.removeEventListener('resize', onResize);
    document.removeEventListener('sigap:language', draw);
  });
  await load();
}
