// The supervisor's triage: the reports the router could not place, each
// with a choice of unit.

import * as api from './api.js';
import { assignForm } from './actions.js';
import { badge, h, notice } from './dom.js';
import { errorNotice, liveIndicator, pageHead, regionEl } from './page.js';
import { categoryLabels, unitName } from './state.js';

export function triageView(main, _params, ctx) {
  const list = h('ol', { class: 'case-list' });
  const empty = h('p', { class: 'empty', i18n: 'triage.empty', hidden: true });
  const error = h('div');
  const done = h('div', { class: 'done-list' });
  const cards = new Map();
  main.append(pageHead('triage.title', {}, 'triage.intro', liveIndicator()), error, done, list, empty);

  function card(r) {
    const element = h('li', { class: `case-card urgency-${r.urgency}`, dataset: { id: r.id, status: r.status } },
      h('div', { class: 'case-head' },
        h('a', { class: 'ticket', href: `#/reports/${r.id}`, text: r.ticket }),
        badge('urgency', r.urgency), badge('status', r.status),
        r.overdue ? h('span', { class: 'badge overdue', i18n: 'reports.overdue' }) : null,
        h('time', { class: 'muted', time: r.created_at })),
      h('p', { class: 'case-meta' }, h('span', { labels: categoryLabels(r.category) }), ' · ', h('span', { vocab: `need:${r.need}` }), ' · ', regionEl(r.region_code)),
      r.triage_reason ? h('p', { class: 'triage-reason' }, h('strong', { i18n: 'triage.reason' }), ': ', h('span', { text: r.triage_reason })) : null,
      assignForm(r, {
        idPrefix: `t-${r.id}`,
        onAssigned: (assigned) => {
          element.remove();
          cards.delete(r.id);
          done.replaceChildren(notice('success', h('p', { i18n: 'triage.assigned', args: { ticket: assigned.ticket, unit: unitName(assigned.unit_code) } })));
          empty.hidden = cards.size > 0;
        },
      }));
    return element;
  }

  async function poll() {
    try {
      const page = await api.get('/v1/reports?status=needs_triage&limit=100', { signal: ctx.signal });
      const ids = new Set(page.items.map((r) => r.id));
      for (const [id, el] of cards) {
        if (!ids.has(id)) {
          el.remove();
          cards.delete(id);
        }
      }
      page.items.forEach((r, i) => {
        if (!cards.has(r.id)) cards.set(r.id, card(r));
        const el = cards.get(r.id);
        if (list.children[i] !== el) list.insertBefore(el, list.children[i] ?? null);
      });
      empty.hidden = cards.size > 0;
      error.replaceChildren();
    } catch (e) {
      if (e.name !== 'AbortError') error.replaceChildren(errorNotice(e));
    }
  }
  poll();
  const timer = window.setInterval(poll, 4000);
  ctx.onStop(() => window.clearInterval(timer));
}
