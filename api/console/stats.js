// Statistics for planning: tiles, a choropleth of the regencies and charts
// for a period and a region, and exports of the same figures.

import * as api from './api.js';
import { barChart, columnChart } from './charts.js';
import { clearFieldErrors, field, h, notice, setFieldError } from './dom.js';
import { exportBar } from './files.js';
import { breaks, choroLegend, choroplethMap, regencyMapData } from './map.js';
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
  const exports = exportBar({ kind: 'stats', ctx, filters: () => requestFilters() });
  main.append(pageHead('stats.title', {}, 'stats.intro'), form, exports, output);
  const regencyMap = mapPanel(ctx);

  function requestFilters() {
    const filters = {};
    if (from.value) filters.from = localMidnight(from.value).toISOString();
    if (to.value) filters.to = localMidnight(to.value, 1).toISOString();
    if (region.value) filters.region = region.value;
    return filters;
  }

  let stats = null;
  async function load() {
    clearFieldErrors(form);
    const params = new URLSearchParams(requestFilters());
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
    const work = caseWork(s.case_work);
    output.replaceChildren(...[tiles, s.total ? null : h('p', { class: 'muted', i18n: 'stats.nodata' }), regencyMap.element, grid,
      work.heading, work.tiles, work.grid].filter(Boolean));
    regencyMap.show(s);
    // Each chart is drawn at the width its card has, so that its text keeps
    // its size on a phone as on a desktop.
    const place = (draw, wide = false, into = grid) => {
      const card = h('section', { class: wide ? 'card chart-card wide' : 'card chart-card' });
      into.append(card);
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
    work.draw(place);
  }

  /**
   * The case work of the reports counted: tiles (people assessed and
   * served, services delivered, median days to the first delivery) and
   * charts of people by sex, age band, disability and functioning
   * difficulty, and of services by component, device and unit.
   */
  function caseWork(cw) {
    if (!cw) return { draw() {} };
    const heading = h('h2', { class: 'section-title', id: 'case-work-h', i18n: 'stats.cw.title' });
    const days = cw.median_days_to_first_delivery;
    const tiles = h('div', { class: 'tiles case-work-tiles' },
      tile('stats.cw.assessed', formatNumber(cw.people.assessed)),
      tile('stats.cw.served', formatNumber(cw.people.served)),
      tile('stats.cw.delivered', formatNumber(cw.services.delivered), t('stats.cw.delivered.detail', { n: formatNumber(cw.services.planned) })),
      tile('stats.cw.median_days', days === null ? t('none') : t('stats.cw.median_days.value', { n: formatNumber(days, 1) }), t('stats.cw.median')));
    const grid = h('div', { class: 'chart-grid case-work', 'aria-labelledby': 'case-work-h' });
    const peopleSeries = () => [{ label: t('stats.cw.col.assessed'), className: 'primary' }, { label: t('stats.cw.col.served'), className: 'good' }];
    const serviceSeries = () => [{ label: t('stats.cw.col.planned'), className: 'muted-bar' }, { label: t('stats.cw.col.delivered'), className: 'accent' }];
    const people = (key, list, prefix) => (width) => barChart({
      title: t(`stats.cw.${key}`),
      items: list.map((g) => ({ label: t(`stats.cw.${prefix}.${g.key}`), values: [g.assessed, g.served] })),
      series: peopleSeries(),
      width,
    });
    const services = (key, items) => (width) => barChart({ title: t(`stats.cw.${key}`), items, series: serviceSeries(), width });
    const serviceItems = (list, label) => list.map((g) => ({ label: label(g), values: [g.planned, g.delivered] }));
    return {
      heading,
      tiles,
      grid,
      draw(place) {
        place(people('by_sex', cw.people.by_sex, 'sex'), false, grid);
        place(people('by_age_band', cw.people.by_age_band, 'age'), false, grid);
        place(people('by_disability', cw.people.by_disability, 'disability'), false, grid);
        place(people('by_functioning', cw.people.by_functioning, 'functioning'), false, grid);
        place(services('by_component', serviceItems(cw.services.by_component, (g) => t(`stats.cw.component.${g.key}`))), false, grid);
        place(services('by_device', serviceItems(cw.services.by_device.filter((g) => g.planned > 0), (g) => t(`stats.cw.device.${g.key}`))), false, grid);
        place(services('by_unit', serviceItems(cw.services.by_unit.slice(0, 12), (g) => g.label || unitName(g.key))), true, grid);
      },
    };
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

  /**
   * The choropleth of the regencies: one measure per regency (open cases,
   * reports filed, people served, SLA compliance) in sequential classes, "no data" where a
   * regency has no reports; a province chosen (or clicked) zooms to its
   * regencies. The same figures are a table.
   */
  function mapPanel(ctx) {
    const measure = h('select', {},
      ['open', 'count', 'served', 'sla'].map((m) => h('option', { value: m, i18n: `map.measure.${m}` })));
    const province = h('select');
    if (role() === 'regional') {
      const own = app.claims.region.slice(0, 2);
      province.append(h('option', { value: own, text: regionText(own) }));
    } else {
      province.append(h('option', { value: '', i18n: 'stats.region.all' }));
      for (const p of app.provinces) province.append(h('option', { value: p.code, text: p.name }));
    }
    const frame = h('div', { class: 'map-frame' }, h('p', { class: 'muted', i18n: 'loading' }));
    const legend = h('div', { class: 'legend-slot' });
    const attribution = h('p', { class: 'attribution muted small' });
    const tableBody = h('tbody');
    const valueHead = h('th', { scope: 'col' });
    const table = h('details', { class: 'chart-data map-data' }, h('summary', { i18n: 'stats.table' }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'map-table' },
        h('caption', { i18n: 'map.table.caption' }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', i18n: 'map.col.code' }), h('th', { scope: 'col', i18n: 'map.col.regency' }), valueHead)),
        tableBody)));
    const element = h('section', { class: 'card map-card', 'aria-labelledby': 'map-h' },
      h('h2', { id: 'map-h', i18n: 'map.title' }),
      h('div', { class: 'map-controls' },
        field({ id: 'map-measure', label: 'map.measure', control: measure, className: 'inline' }),
        field({ id: 'map-province', label: 'map.province', control: province, className: 'inline' })),
      h('div', { class: 'map-figure' }, frame, legend, attribution), table);

    let map = null;
    let data = null;
    const valueOf = (g) => {
      if (!g) return null;
      if (measure.value === 'open') return g.open ?? null;
      if (measure.value === 'sla') return g.sla?.compliance ?? null;
      if (measure.value === 'served') return g.people_served ?? null;
      return g.count;
    };
    const format = (v) => (measure.value === 'sla' ? formatPercent(v) : formatNumber(v));

    function paint() {
      if (!data) return;
      const byCode = new Map((data.by_regency ?? []).map((g) => [g.key, g]));
      const share = measure.value === 'sla';
      const limits = breaks([...byCode.values()].map(valueOf), { share });
      const measureText = t(`map.measure.${measure.value}`);
      legend.replaceChildren(choroLegend({ titleKey: `map.measure.${measure.value}`, limits, format }));
      valueHead.textContent = measureText;
      const shown = [...byCode.values()]
        .filter((g) => !province.value || g.key.startsWith(`${province.value}.`))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      tableBody.replaceChildren(...(shown.length
        ? shown.map((g) => h('tr', { dataset: { code: g.key } },
          h('td', { text: g.key }), h('th', { scope: 'row', text: g.label }),
          h('td', { text: valueOf(g) === null ? t('map.nodata') : format(valueOf(g)) })))
        : [h('tr', {}, h('td', { colspan: '3', class: 'muted', i18n: 'stats.nodata' }))]));
      map?.paint({
        title: t('map.image.title', { measure: measureText }),
        description: t('map.image.desc', { n: formatNumber(byCode.size), total: formatNumber(map.count) }),
        limits,
        value: (regency) => valueOf(byCode.get(regency.code)),
        text: (regency, v) => `${regency.name}: ${v === null ? t('map.nodata') : format(v)}`,
      });
      map?.svg.setAttribute('data-measure', measure.value);
    }

    function zoom() {
      map?.zoom(province.value);
      paint();
    }

    regencyMapData().then((outlines) => {
      if (ctx.signal.aborted) return;
      map = choroplethMap(outlines);
      map.onPick((code) => {
        if (role() === 'regional' || !code || province.value === code) return;
        province.value = code;
        zoom();
      });
      frame.replaceChildren(map.svg);
      attribution.textContent = outlines.attribution ?? '';
      zoom();
    }).catch((e) => {
      if (!ctx.signal.aborted) frame.replaceChildren(notice('error', h('p', { i18n: 'gaps.map.unavailable', args: { detail: problemText(e) } })));
    });
    measure.addEventListener('change', paint);
    province.addEventListener('change', zoom);
    return {
      element,
      show(next) {
        data = next;
        // Statistics of one province open the map on it.
        const own = next.region?.slice(0, 2);
        if (own && own !== province.value && [...province.options].some((o) => o.value === own)) {
          province.value = own;
          map?.zoom(own);
        }
        paint();
      },
    };
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
