// The newest reports, kept fresh by polling: beside the intake form, and as
// a page of their own with a status filter.

import * as api from './api.js';
import { badge, field, h, select } from './dom.js';
import { exportBar } from './files.js';
import { errorNotice, liveIndicator, pageHead, regionEl } from './page.js';
import { app, categoryLabels, unitName, vocabOptions } from './state.js';

const LIVE_LIMIT = 20;
const LIVE_POLL_MS = 2000;

/**
 * The newest reports, kept fresh: every 2 s it asks for what changed since
 * the last answer (`updated_since`, with an overlap for transactions that
 * committed late), or with a status filter the whole filtered list.
 */
export function liveList(ctx, { status = '', limit = LIVE_LIMIT, onUpdate } = {}) {
  const list = h('ol', { class: 'report-list' });
  const empty = h('p', { class: 'empty', i18n: 'live.empty', hidden: true });
  const error = h('div');
  const items = new Map();
  let since = null;
  let filter = status;
  let timer = null;
  let running = false;

  function render(report) {
    return h('li', { class: 'report-item', dataset: { id: report.id, status: report.status } },
      h('div', { class: 'ri-top' },
        h('a', { class: 'ticket', href: `#/reports/${report.id}`, text: report.ticket }),
        badge('urgency', report.urgency),
        report.overdue ? h('span', { class: 'badge overdue', i18n: 'reports.overdue' }) : null,
        h('time', { class: 'muted', time: report.created_at })),
      h('div', { class: 'ri-meta' }, h('span', { labels: categoryLabels(report.category) }), ' · ', regionEl(report.region_code)),
      h('div', { class: 'ri-status' }, badge('status', report.status),
        report.unit_code ? h('span', { class: 'unit', text: unitName(report.unit_code) }) : null));
  }

  function upsert(report) {
    const known = items.get(report.id);
    if (known && known.report.updated_at === report.updated_at && known.report.overdue === report.overdue) return;
    const element = render(report);
    if (known) known.element.replaceWith(element);
    items.set(report.id, { report, element });
    onUpdate?.(report);
  }

  function arrange() {
    const sorted = [...items.values()].sort((a, b) => (a.report.created_at < b.report.created_at ? 1 : -1));
    for (const gone of sorted.slice(limit)) {
      gone.element.remove();
      items.delete(gone.report.id);
    }
    sorted.slice(0, limit).forEach(({ element }, i) => {
      if (list.children[i] !== element) list.insertBefore(element, list.children[i] ?? null);
    });
    empty.hidden = items.size > 0;
  }

  async function poll() {
    const params = new URLSearchParams({ limit: String(since === null || filter ? limit : 100) });
    if (filter) params.set('status', filter);
    if (since !== null && !filter) params.set('updated_since', new Date(since - 3000).toISOString());
    const page = await api.get(`/v1/reports?${params}`, { signal: ctx.signal });
    if (filter) {
      const keep = new Set(page.items.map((r) => r.id));
      for (const [id, item] of items) {
        if (!keep.has(id)) {
          item.element.remove();
          items.delete(id);
        }
      }
    }
    for (const report of page.items) {
      upsert(report);
      since = Math.max(since ?? 0, new Date(report.updated_at).getTime());
    }
    arrange();
    error.replaceChildren();
  }

  async function loop() {
    if (running || ctx.signal.aborted) return;
    running = true;
    window.clearTimeout(timer);
    try {
      await poll();
    } catch (e) {
      if (e.name !== 'AbortError') error.replaceChildren(errorNotice(e));
    } finally {
      running = false;
      if (!ctx.signal.aborted) timer = window.setTimeout(loop, LIVE_POLL_MS);
    }
  }
  ctx.onStop(() => window.clearTimeout(timer));
  loop();
  return {
    element: h('div', { class: 'live' }, error, list, empty),
    refresh: () => {
      if (!running) loop();
    },
    current: (id) => items.get(id)?.report,
    setFilter(value) {
      filter = value;
      since = null;
      for (const item of items.values()) item.element.remove();
      items.clear();
      loop();
    },
  };
}

export function reportsView(main, _params, ctx) {
  const statusFilter = select('live-status', vocabOptions('status', app.vocabulary.statuses), { placeholder: false });
  statusFilter.prepend(h('option', { value: '', i18n: 'live.filter.all' }));
  statusFilter.value = '';
  const live = liveList(ctx, { limit: 50 });
  statusFilter.addEventListener('change', () => live.setFilter(statusFilter.value));
  // An export covers the list's filter (all matching reports, not only the 50 shown).
  const exports = exportBar({ kind: 'reports', ctx, filters: () => (statusFilter.value ? { status: [statusFilter.value] } : {}) });
  main.append(pageHead('reports.title', {}, null, liveIndicator()), exports,
    h('section', { class: 'card', 'aria-labelledby': 'reports-h' },
      h('div', { class: 'card-head' }, h('h2', { id: 'reports-h', i18n: 'live.title' }),
        field({ id: 'live-status', label: 'live.filter.status', control: statusFilter, className: 'inline' })),
      live.element));
}
