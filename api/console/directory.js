// The unit directory: every unit, and for staff each unit's coverage rules
// and history, and the map and table of the regencies without a sourced rule.

import * as api from './api.js';
import { field, h, notice } from './dom.js';
import { formatNumber, t, vocab } from './i18n.js';
import { gapLegend, gapMap, regencyMapData } from './map.js';
import { errorNotice, pageHead, problemText, regionEl } from './page.js';
import { app, categories, categoryLabels, categoryOptions, categoryText, role } from './state.js';

/** Roles that see the coverage gaps and the units' rules and history. */
const DIRECTORY_STAFF = ['admin', 'supervisor'];
/** Fields of a history entry that identify the row rather than change. */
const HISTORY_IDENTITY = new Set(['id', 'code', 'unit_code', 'created_at', 'updated_at', 'open_cases']);
const HISTORY_PAGE = 12;

export function unitsView(main, _params, ctx) {
  const staff = DIRECTORY_STAFF.includes(role());
  const columns = ['units.code', 'units.name', 'units.kind', 'units.region', 'units.categories', 'units.office', 'units.load', 'units.active'];
  if (staff) columns.push('units.details');
  // The gaps first: their outlines are the largest download of the page.
  const gaps = staff ? gapsPanel(ctx) : null;
  const tbody = h('tbody', {}, app.units.map((u) => unitRow(u, { staff, columns: columns.length, ctx })));
  main.append(pageHead('units.title', {}, staff ? 'units.intro' : null), gaps,
    h('section', { class: 'card', 'aria-labelledby': 'units-h' },
      h('h2', { id: 'units-h', i18n: 'units.list' }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'units' },
        h('thead', {}, h('tr', {}, columns.map((k) => h('th', { scope: 'col', i18n: k })))),
        tbody))));
}

/** A unit's row; for staff it opens a row below it with the unit's rules and history. */
function unitRow(u, { staff, columns, ctx }) {
  const row = h('tr', { dataset: { unit: u.code } },
    h('td', { class: 'mono small', text: u.code }),
    h('th', { scope: 'row', text: u.name }),
    h('td', { vocab: `kind:${u.kind}` }),
    h('td', {}, regionEl(u.region_code)),
    h('td', {}, u.categories.length ? u.categories.map((c, i) => [i ? ', ' : '', h('span', { labels: categoryLabels(c) })]) : h('span', { i18n: 'units.categories.all' })),
    h('td', { class: 'office-hours' }, officeHours(u)),
    h('td', { class: 'num', text: `${u.open_cases} / ${u.capacity}` }),
    h('td', { i18n: u.active ? 'yes' : 'no' }));
  if (!staff) return row;
  const detailId = `unit-detail-${u.code}`;
  const toggle = h('button', {
    type: 'button', class: 'link', 'aria-expanded': 'false', i18n: 'units.details.show',
    attrs: { 'aria-label': 'units.details.label' }, args: { unit: u.name },
  });
  row.append(h('td', {}, toggle));
  let detail = null;
  let controller = null;
  toggle.addEventListener('click', () => {
    if (detail) {
      controller?.abort();
      detail.remove();
      detail = null;
      toggle.setAttribute('aria-expanded', 'false');
      toggle.removeAttribute('aria-controls');
      return;
    }
    controller = new AbortController();
    const stop = () => controller.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const body = h('div', { class: 'unit-detail-body' }, h('p', { class: 'muted', i18n: 'loading' }));
    detail = h('tr', { class: 'unit-detail', id: detailId }, h('td', { colspan: String(columns) }, body));
    row.after(detail);
    toggle.setAttribute('aria-expanded', 'true');
    toggle.setAttribute('aria-controls', detailId);
    unitDetail(u, body, controller.signal).finally(() => ctx.signal.removeEventListener('abort', stop));
  });
  return row;
}

/** "Sen–Jum 08:00–16:00 WIB": a run of days as its ends, other days one by one. */
function officeHours(u) {
  const hours = u.office_hours;
  if (!hours) return h('span', { i18n: 'none' });
  const days = [...hours.days].sort((a, b) => a - b);
  const run = days.length > 2 && days.every((d, i) => i === 0 || d === days[i - 1] + 1);
  const dayEls = run
    ? [h('span', { vocab: `weekday:${days[0]}` }), '–', h('span', { vocab: `weekday:${days[days.length - 1]}` })]
    : days.map((d, i) => [i ? ', ' : '', h('span', { vocab: `weekday:${d}` })]);
  return h('span', { dataset: { days: days.join(','), opens: hours.opens, closes: hours.closes } },
    ...dayEls, ` ${hours.opens}–${hours.closes}${u.time_zone ? ` ${u.time_zone}` : ''}`);
}

/** Fills `body` with a unit's coverage rules and the first page of its history. */
async function unitDetail(u, body, signal) {
  const code = encodeURIComponent(u.code);
  const [rules, history] = await Promise.allSettled([
    api.all(`/v1/units/${code}/coverage`, { signal }),
    api.get(`/v1/units/${code}/history?limit=${HISTORY_PAGE}`, { signal }),
  ]);
  if (signal.aborted) return;
  const rulesPart = h('section', { class: 'unit-rules', 'aria-labelledby': `${u.code}-rules-h` },
    h('h3', { id: `${u.code}-rules-h`, i18n: 'coverage.title' }));
  if (rules.status === 'rejected') rulesPart.append(errorNotice(rules.reason));
  else rulesPart.append(coverageTable(u, rules.value));
  const historyPart = h('section', { class: 'unit-history', 'aria-labelledby': `${u.code}-history-h` },
    h('h3', { id: `${u.code}-history-h`, i18n: 'history.title' }));
  if (history.status === 'rejected') historyPart.append(errorNotice(history.reason));
  else historyPart.append(historyList(u, history.value, signal));
  body.replaceChildren(rulesPart, historyPart);
}

/** A link to a rule's source, opened in a new tab; only http(s) addresses are links. */
function sourceLink(source) {
  if (!source) return h('span', { i18n: 'none' });
  let url = null;
  try {
    url = new URL(source);
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) return h('span', { class: 'source', text: source });
  return h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', class: 'source', title: url.href },
    url.hostname.replace(/^www\./, ''), h('span', { class: 'visually-hidden', i18n: 'link.newtab' }));
}

function coverageTable(u, rules) {
  if (!rules.length) return h('p', { class: 'muted', i18n: 'coverage.none' });
  const columns = ['coverage.region', 'coverage.category', 'coverage.priority', 'coverage.basis', 'coverage.confidence',
    'coverage.year', 'coverage.source', 'coverage.origin', 'coverage.active', 'coverage.note'];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'coverage' },
    h('caption', { class: 'visually-hidden', i18n: 'coverage.caption', args: { unit: u.name } }),
    h('thead', {}, h('tr', {}, columns.map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, rules.map((r) => h('tr', { dataset: { rule: String(r.id), basis: r.basis }, class: r.active ? '' : 'inactive' },
      h('th', { scope: 'row' }, r.region_code ? regionEl(r.region_code) : h('span', { i18n: 'coverage.national' })),
      h('td', {}, r.category ? h('span', { labels: categoryLabels(r.category) }) : h('span', { i18n: 'coverage.all' })),
      h('td', { class: 'num', text: String(r.priority) }),
      h('td', {}, h('span', { class: `basis basis-${r.basis}`, vocab: `basis:${r.basis}` })),
      h('td', {}, r.confidence ? h('span', { vocab: `confidence:${r.confidence}` }) : h('span', { i18n: 'none' })),
      h('td', { class: 'num', text: r.year === null || r.year === undefined ? t('none') : String(r.year) }),
      h('td', {}, sourceLink(r.source)),
      h('td', {}, h('span', { vocab: `origin:${r.origin}` })),
      h('td', { i18n: r.active ? 'yes' : 'no' }),
      h('td', { class: 'note', text: r.note ?? t('none') }))))));
}

/** A unit's changes, newest page first, with "show more" while the API has more. */
function historyList(u, page, signal) {
  const list = h('ol', { class: 'history' });
  const more = h('button', { type: 'button', class: 'secondary', i18n: 'history.more', hidden: true });
  const error = h('div');
  let cursor = null;
  const add = (p) => {
    for (const entry of p.items) list.append(historyItem(entry));
    cursor = p.next_cursor;
    more.hidden = !cursor;
  };
  add(page);
  more.addEventListener('click', async () => {
    more.disabled = true;
    error.replaceChildren();
    try {
      const params = new URLSearchParams({ limit: String(HISTORY_PAGE), cursor });
      add(await api.get(`/v1/units/${encodeURIComponent(u.code)}/history?${params}`, { signal }));
    } catch (e) {
      if (e.name !== 'AbortError') error.replaceChildren(errorNotice(e));
    } finally {
      more.disabled = false;
    }
  });
  if (!page.items.length) return h('p', { class: 'muted', i18n: 'history.none' });
  return h('div', {}, list, error, h('div', { class: 'actions start' }, more));
}

function historyItem(entry) {
  const changes = changedFields(entry);
  let fields;
  if (!changes.length) fields = h('p', { class: 'muted small', i18n: 'history.nofields' });
  else if (entry.action === 'updated') {
    fields = h('table', { class: 'changes' },
      h('caption', { class: 'visually-hidden', i18n: 'history.caption' }),
      h('thead', {}, h('tr', {}, ['history.field', 'history.before', 'history.after'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, changes.map(({ key, before, after }) => h('tr', { dataset: { field: key } },
        h('th', { scope: 'row', vocab: `column:${key}` }),
        h('td', { class: 'before' }, fieldValue(key, before)),
        h('td', { class: 'after' }, fieldValue(key, after))))));
  } else {
    // What was created, or what was removed: its fields, without arrows.
    const side = entry.action === 'deleted' ? 'before' : 'after';
    fields = h('dl', { class: 'fields-inline' }, changes.map((c) => h('div', { dataset: { field: c.key } },
      h('dt', { vocab: `column:${c.key}` }), h('dd', {}, fieldValue(c.key, c[side])))));
  }
  return h('li', { class: `history-item history-${entry.action}`, dataset: { entity: entry.entity, action: entry.action } },
    h('div', { class: 'event-head' },
      h('span', { class: 'event-kind', i18n: `history.${entry.entity}.${entry.action}`, args: { id: entry.rule_id ?? '' } }),
      h('time', { class: 'muted', time: entry.at })),
    h('p', { class: 'muted small' }, entry.actor_role
      ? h('span', { i18n: 'history.by', args: { actor: entry.actor, role: vocab('role', entry.actor_role) } })
      : h('span', { i18n: 'history.by.plain', args: { actor: entry.actor } })),
    fields);
}

/**
 * The fields an entry changed: for an update those that differ, for a
 * creation or removal those that have a value.
 */
function changedFields({ before, after }) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])]
    .filter((k) => !HISTORY_IDENTITY.has(k));
  const value = (row, k) => (row && k in row ? row[k] : null);
  return keys
    .map((key) => ({ key, before: value(before, key), after: value(after, key) }))
    .filter(({ before: b, after: a }) => JSON.stringify(b) !== JSON.stringify(a));
}

/** A field's value as the directory shows it. */
function fieldValue(key, value) {
  if (value === null || value === undefined) return h('span', { i18n: 'none' });
  if (typeof value === 'boolean') return h('span', { i18n: value ? 'yes' : 'no' });
  if (key === 'categories' && Array.isArray(value)) {
    return value.length ? value.map((c, i) => [i ? ', ' : '', h('span', { labels: categoryLabels(c) })]) : h('span', { i18n: 'units.categories.all' });
  }
  if (key === 'category') return h('span', { labels: categoryLabels(value) });
  if (key === 'region_code') return regionEl(value);
  if (['basis', 'confidence', 'origin', 'kind'].includes(key)) return h('span', { vocab: `${key}:${value}` });
  if (key === 'source') return sourceLink(value);
  return h('span', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) });
}

/**
 * Where no sourced coverage rule exists (`GET /v1/coverage/gaps`): a map of
 * every regency coloured by how many categories lack one, its key, and the
 * same data as a table. Choosing a category asks again for that category
 * and recolours the map in place.
 */
function gapsPanel(ctx) {
  const category = h('select', {},
    h('option', { value: '', i18n: 'gaps.category.all' }),
    categoryOptions().map(({ value, labels }) => h('option', { value, labels })));
  const summary = h('p', { class: 'gaps-summary', 'aria-live': 'polite' }, h('span', { class: 'muted', i18n: 'loading' }));
  const error = h('div');
  const frame = h('div', { class: 'map-frame' }, h('p', { class: 'muted', i18n: 'loading' }));
  const legend = h('div', { class: 'legend-slot' });
  const attribution = h('p', { class: 'attribution muted small' });
  const tableBody = h('tbody');
  const table = h('div', { class: 'gaps-table', role: 'region', tabindex: '0', 'aria-labelledby': 'gaps-caption' },
    h('table', { class: 'gaps' },
      h('caption', { id: 'gaps-caption', i18n: 'gaps.table.caption' }),
      h('thead', {}, h('tr', {}, ['gaps.col.regency', 'gaps.col.province', 'gaps.col.missing'].map((k) => h('th', { scope: 'col', i18n: k })))),
      tableBody));
  const panel = h('section', { class: 'card gaps-card', 'aria-labelledby': 'gaps-h' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'gaps-h', i18n: 'gaps.title' }),
      field({ id: 'gaps-category', label: 'gaps.category', control: category, className: 'inline' })),
    h('p', { class: 'lede', i18n: 'gaps.intro' }),
    summary, error,
    h('div', { class: 'gaps-layout' },
      h('div', { class: 'map-figure' }, frame, legend, attribution),
      table));

  let map = null;
  let gaps = null;
  let loading = null;

  function draw() {
    const single = Boolean(gaps?.category);
    const label = single ? categoryText(gaps.category) : '';
    const missingOf = (item) => (item ? item.categories.length : 0);
    const n = gaps ? gaps.items.length : 0;
    const args = { n: formatNumber(n), total: formatNumber(map?.count ?? 0), category: label };
    const sentence = gaps ? t(`${map ? 'gaps.summary' : 'gaps.count'}.${single ? 'one' : 'all'}`, args) : t('loading');
    if (gaps) summary.replaceChildren(h('span', { text: sentence }));
    legend.replaceChildren(gapLegend({ single, known: Boolean(gaps), categoryLabel: label }));
    map?.paint({
      title: single ? t('gaps.map.title.one', { category: label }) : t('gaps.map.title'),
      description: sentence,
      single,
      category: gaps?.category ?? '',
      state: (regency) => {
        if (!gaps) return { missing: null, text: regency.name };
        const item = gaps.byCode.get(regency.code);
        const missing = missingOf(item);
        const name = item?.name ?? regency.name;
        if (missing) return { missing, text: t('gaps.path.missing', { name, categories: item.categories.map(categoryText).join(', ') }) };
        return { missing, text: single ? t('gaps.path.covered.one', { name, category: label }) : t('gaps.path.covered', { name }) };
      },
    });
    if (!gaps) return;
    tableBody.replaceChildren(...(gaps.items.length
      ? gaps.items.map((g) => h('tr', { dataset: { gap: g.region_code, missing: String(missingOf(g)) } },
        h('th', { scope: 'row', text: g.name }),
        h('td', { text: app.regionNames.get(g.province_code) ?? g.province_code }),
        h('td', {}, g.categories.length === categories().length
          ? h('span', { i18n: 'gaps.missing.all', args: { n: g.categories.length } })
          : g.categories.map((c, i) => [i ? ', ' : '', h('span', { labels: categoryLabels(c) })]))))
      : [h('tr', {}, h('td', { colspan: '3', class: 'muted', i18n: 'gaps.none' }))]));
  }

  async function load() {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    const stop = () => controller.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const chosen = category.value;
    category.setAttribute('aria-busy', 'true');
    const params = new URLSearchParams({ limit: '500' });
    if (chosen) params.set('category', chosen);
    try {
      const items = await api.all(`/v1/coverage/gaps?${params}`, { signal: controller.signal });
      if (loading !== controller) return;
      items.sort((a, b) => (a.region_code < b.region_code ? -1 : a.region_code > b.region_code ? 1 : 0));
      gaps = { category: chosen, items, byCode: new Map(items.map((g) => [g.region_code, g])) };
      error.replaceChildren();
      draw();
    } catch (e) {
      if (e.name !== 'AbortError') {
        summary.replaceChildren();
        error.replaceChildren(errorNotice(e));
      }
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      if (loading === controller) category.removeAttribute('aria-busy');
    }
  }

  regencyMapData().then((data) => {
    if (ctx.signal.aborted) return;
    map = gapMap(data);
    frame.replaceChildren(map.svg);
    attribution.textContent = data.attribution ?? '';
    draw();
  }).catch((e) => {
    if (!ctx.signal.aborted) frame.replaceChildren(notice('error', h('p', { i18n: 'gaps.map.unavailable', args: { detail: problemText(e) } })));
  });
  category.addEventListener('change', load);
  document.addEventListener('sigap:language', draw);
  ctx.onStop(() => document.removeEventListener('sigap:language', draw));
  draw();
  load();
  return panel;
}
