// The unit queue of UPT staff: the unit's open cases and those resolved and
// awaiting closure, each with its next status, notes and transfer.

import * as api from './api.js';
import { caseForms, statusActions } from './actions.js';
import { badge, h } from './dom.js';
import { applyLanguage, formatDuration, t } from './i18n.js';
import { errorNotice, liveIndicator, pageHead, regionEl } from './page.js';
import { app, categoryLabels, unitName } from './state.js';

/** The cases a unit is working on, and those resolved and awaiting closure. */
const queueStatuses = () => [...app.vocabulary.open_at_unit, 'resolved'];

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = window.setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => {
    window.clearTimeout(timer);
    resolve();
  }, { once: true });
});

/**
 * The unit's queue, long polled: each request waits up to 25 s with the last
 * ETag and comes back at once when a case of the unit changes (304 when the
 * wait ends with nothing new).
 */
export function casesView(main, _params, ctx) {
  const unit = app.claims.unit;
  const list = h('ol', { class: 'case-list' });
  const empty = h('p', { class: 'empty', i18n: 'cases.empty', hidden: true });
  const error = h('div');
  const cards = new Map();
  main.append(pageHead('cases.title', { unit: unitName(unit) }, 'cases.intro', liveIndicator()), error, list, empty);

  function apply(cases) {
    const ids = new Set(cases.map((c) => c.id));
    for (const [id, card] of cards) {
      if (!ids.has(id)) {
        card.element.remove();
        cards.delete(id);
      }
    }
    cases.forEach((c, i) => {
      let card = cards.get(c.id);
      if (!card) {
        card = caseCard(c);
        cards.set(c.id, card);
      } else {
        card.update(c);
      }
      if (list.children[i] !== card.element) list.insertBefore(card.element, list.children[i] ?? null);
    });
    empty.hidden = cases.length > 0;
  }

  let etag = null;
  let wake = null;
  async function loop() {
    while (!ctx.signal.aborted) {
      const attempt = new AbortController();
      wake = () => attempt.abort();
      const stop = () => attempt.abort();
      ctx.signal.addEventListener('abort', stop, { once: true });
      try {
        const params = new URLSearchParams({ status: queueStatuses().join(','), limit: '200' });
        if (etag) params.set('wait', '25');
        const { status, data, headers } = await api.request(`/v1/units/${encodeURIComponent(unit)}/cases?${params}`, {
          signal: attempt.signal, headers: etag ? { 'If-None-Match': etag } : {},
        });
        if (status === 200) {
          etag = headers.get('ETag');
          apply(data.items);
        }
        error.replaceChildren();
      } catch (e) {
        if (ctx.signal.aborted) return;
        if (e.name !== 'AbortError') {
          error.replaceChildren(errorNotice(e));
          await sleep(3000, ctx.signal);
        }
        etag = null;
      } finally {
        ctx.signal.removeEventListener('abort', stop);
      }
    }
  }

  function refresh() {
    etag = null;
    wake?.();
  }

  /** One case: its facts, its next status, and notes and transfer. */
  function caseCard(initial) {
    let current = initial;
    const headEl = h('div', { class: 'case-head' });
    const meta = h('p', { class: 'case-meta' });
    const sla = h('p', { class: 'sla' });
    const actions = h('div', { class: 'case-actions' });
    const messages = h('div', { class: 'action-message' });
    const more = h('details', { class: 'more' }, h('summary', { i18n: 'case.more' }));
    const element = h('li', { class: 'case-card' }, headEl, meta, sla, actions, messages, more);
    let formsFor = null;

    function draw() {
      element.className = `case-card urgency-${current.urgency}`;
      element.dataset.id = current.id;
      element.dataset.status = current.status;
      element.dataset.version = String(current.version);
      headEl.replaceChildren(
        h('a', { class: 'ticket', href: `#/reports/${current.id}`, text: current.ticket }),
        badge('urgency', current.urgency), badge('status', current.status));
      meta.replaceChildren(...[
        h('span', { labels: categoryLabels(current.category) }), ' · ',
        h('span', { vocab: `need:${current.need}` }), ' · ',
        regionEl(current.region_code), ' · ',
        h('span', { i18n: 'cases.people', args: { n: current.beneficiary_count } }),
        current.escalation_level ? h('span', { class: 'badge escalated', i18n: 'cases.escalated', args: { n: current.escalation_level } }) : null].filter(Boolean));
      if (current.status === 'assigned' && current.sla_due_at) {
        const overdue = new Date(current.sla_due_at).getTime() < Date.now();
        const key = overdue ? 'cases.sla.overdue' : 'cases.sla.due';
        sla.hidden = false;
        sla.className = overdue ? 'sla overdue' : 'sla';
        sla.replaceChildren(h('span', {
          dataset: { rel: current.sla_due_at, relKey: key },
          text: t(key, { rel: formatDuration(Math.abs(new Date(current.sla_due_at).getTime() - Date.now()) / 1000) }),
        }));
      } else {
        sla.hidden = true;
      }
      actions.replaceChildren(statusActions(current, {
        primaryOnly: true,
        messages,
        onChanged: (report) => {
          update(report);
          refresh();
        },
        onStale: refresh,
      }).element);
      const formKey = `${current.status}`;
      if (formKey !== formsFor) {
        formsFor = formKey;
        for (const old of more.querySelectorAll('.case-forms')) old.remove();
        more.append(caseForms({ ...current, unit_code: unit }, { idPrefix: `c-${current.id}`, onDone: refresh }));
      }
    }

    function update(next) {
      if (next.version === current.version && next.status === current.status) return;
      current = { ...current, ...next };
      draw();
    }
    draw();
    return { element, update };
  }

  const relTimer = window.setInterval(() => applyLanguage(list), 30000);
  ctx.onStop(() => window.clearInterval(relTimer));
  loop();
}
