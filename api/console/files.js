// Files the console asks the API to make or keep: exports (CSV or XLSX,
// built by a worker, polled until ready) and a case's attachments (listed,
// downloaded, uploaded). Downloads carry the bearer token, so they are
// fetched and saved from a blob URL rather than linked.

import * as api from './api.js';
import { announce, h, notice } from './dom.js';
import { formatNumber, lang, t } from './i18n.js';
import { problemText } from './page.js';

const POLL_MS = 1000;
const POLL_LIMIT = 300;

/** Upload limit of `POST /v1/reports/{id}/attachments` (10 MiB). */
export const MAX_ATTACHMENT = 10 * 1024 * 1024;
const ACCEPTED = ['image/jpeg', 'image/png', 'application/pdf'];

/** A size in bytes for people: "820 B", "1,2 MB". */
export function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = new Intl.NumberFormat(lang() === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 1 }).format(value);
  return `${text} ${units[unit]}`;
}

/**
 * "Export CSV" and "Export XLSX" buttons for `kind`; `filters()` gives the
 * filters at the time of the click. Each click asks for an export, polls it
 * until the worker has built it, then offers its download.
 */
export function exportBar({ kind, filters, ctx }) {
  const status = h('p', { class: 'export-status muted', role: 'status', 'aria-live': 'polite' });
  const buttons = ['csv', 'xlsx'].map((format) => h('button', {
    type: 'button', class: 'secondary', i18n: `export.${format}`, dataset: { format },
    on: { click: () => start(format) },
  }));
  const bar = h('div', { class: 'export-bar', role: 'group', attrs: { 'aria-label': 'export.label' } }, ...buttons, status);
  let running = 0;

  async function start(format) {
    const mine = ++running;
    for (const b of buttons) b.disabled = true;
    status.replaceChildren(h('span', { i18n: 'export.queued' }));
    try {
      const { data: created } = await api.post('/v1/exports', { kind, format, filters: filters() }, { signal: ctx.signal });
      let current = created;
      for (let i = 0; i < POLL_LIMIT && !['ready', 'failed', 'expired'].includes(current.status); i += 1) {
        await new Promise((r) => window.setTimeout(r, POLL_MS));
        if (ctx.signal.aborted || mine !== running) return;
        current = await api.get(`/v1/exports/${current.id}`, { signal: ctx.signal });
        if (current.status === 'building') status.replaceChildren(h('span', { i18n: 'export.building' }));
      }
      if (current.status !== 'ready') {
        status.replaceChildren(notice('error', h('p', { i18n: current.status === 'failed' ? 'export.failed' : 'export.timeout' })));
        return;
      }
      const link = h('button', {
        type: 'button', class: 'link export-download', i18n: 'export.download',
        args: { name: current.filename ?? format.toUpperCase() },
        dataset: { exportId: current.id },
        on: { click: () => save(current, link) },
      });
      status.replaceChildren(h('span', { i18n: 'export.ready', args: { rows: formatNumber(current.row_count ?? 0) } }), ' ', link);
      announce(t('export.ready', { rows: formatNumber(current.row_count ?? 0) }));
    } catch (error) {
      if (error.name !== 'AbortError') status.replaceChildren(notice('error', h('p', { text: problemText(error) })));
    } finally {
      if (mine === running) for (const b of buttons) b.disabled = false;
    }
  }

  async function save(current, link) {
    link.disabled = true;
    try {
      await api.download(current.file ?? `/v1/exports/${current.id}/file`, current.filename);
    } catch (error) {
      status.append(notice('error', h('p', { text: problemText(error) })));
    } finally {
      link.disabled = false;
    }
  }
  return bar;
}

/**
 * The attachments of report `id`: a list with downloads and, when `mayUpload`,
 * an upload form (JPEG, PNG or PDF, at most 10 MB, checked here first).
 */
export function attachmentsPanel({ id, mayUpload, ctx, onUploaded }) {
  const list = h('ul', { class: 'attachments-list' });
  const empty = h('p', { class: 'muted', i18n: 'attachments.none', hidden: true });
  const messages = h('div', { 'aria-live': 'polite' });
  const panel = h('div', { class: 'attachments' }, list, empty, messages);

  function row(a) {
    const button = h('button', {
      type: 'button', class: 'secondary small', i18n: 'attachments.download',
      attrs: { 'aria-label': 'attachments.download.named' }, args: { name: a.filename },
    });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api.download(a.file ?? `/v1/attachments/${a.id}`, a.filename);
      } catch (error) {
        messages.replaceChildren(notice('error', h('p', { text: problemText(error) })));
      } finally {
        button.disabled = false;
      }
    });
    return h('li', { dataset: { attachment: a.id } },
      h('span', { class: 'att-name', text: a.filename }),
      h('span', { class: 'muted', text: typeLabel(a.content_type) }),
      h('span', { class: 'muted', text: formatSize(a.size) }),
      h('time', { class: 'muted', time: a.created_at }),
      button);
  }

  async function load() {
    try {
      const { items } = await api.get(`/v1/reports/${id}/attachments`, { signal: ctx.signal });
      list.replaceChildren(...items.map(row));
      empty.hidden = items.length > 0;
    } catch (error) {
      if (error.name !== 'AbortError') messages.replaceChildren(notice('error', h('p', { text: problemText(error) })));
    }
  }

  if (mayUpload) {
    const input = h('input', { type: 'file', id: `attach-${id}`, name: 'file', accept: '.jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf' });
    const submit = h('button', { type: 'submit', class: 'primary', i18n: 'attachments.upload' });
    const form = h('form', { class: 'attach-form', novalidate: true },
      h('label', { for: `attach-${id}`, i18n: 'attachments.file' }),
      h('p', { class: 'hint muted small', id: `attach-${id}-hint`, i18n: 'attachments.hint' }),
      input, h('div', { class: 'actions' }, submit));
    input.setAttribute('aria-describedby', `attach-${id}-hint`);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = input.files?.[0];
      if (!file) return messages.replaceChildren(notice('error', h('p', { i18n: 'attachments.choose' })));
      if (file.size > MAX_ATTACHMENT) return messages.replaceChildren(notice('error', h('p', { i18n: 'attachments.too_big', args: { size: formatSize(file.size) } })));
      if (file.type && !ACCEPTED.includes(file.type)) return messages.replaceChildren(notice('error', h('p', { i18n: 'attachments.bad_type' })));
      const body = new FormData();
      body.append('file', file, file.name);
      submit.disabled = true;
      messages.replaceChildren(h('p', { class: 'muted', i18n: 'attachments.uploading' }));
      try {
        await api.request(`/v1/reports/${id}/attachments`, { method: 'POST', body, signal: ctx.signal });
        messages.replaceChildren(h('p', { class: 'success', i18n: 'attachments.uploaded', args: { name: file.name } }));
        form.reset();
        await load();
        onUploaded?.();
      } catch (error) {
        if (error.name === 'AbortError') return;
        const detail = error instanceof api.ApiError ? (error.problem.detail || error.problem.title || `HTTP ${error.status}`) : problemText(error);
        messages.replaceChildren(notice('error', h('p', { text: detail })));
      } finally {
        submit.disabled = false;
      }
    });
    panel.append(form);
  }
  load();
  return { element: panel, reload: load };
}

function typeLabel(contentType) {
  return { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'application/pdf': 'PDF' }[contentType] ?? contentType;
}
