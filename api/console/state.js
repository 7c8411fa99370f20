// What every view shares: the caller, the vocabulary and status machine the
// API serves (`GET /v1/vocabulary`), and the reference data read at sign-in,
// with the look-ups the views make in them.

import * as api from './api.js';
import { lang } from './i18n.js';

export const app = {
  config: { dev: false },
  claims: null,
  /** The signed-in person (`GET /v1/me`), for staff sessions. */
  me: null,
  /** `GET /v1/vocabulary`, read once at start-up. */
  vocabulary: null,
  /** The statuses reachable from each status, from the vocabulary. */
  next: new Map(),
  units: [],
  provinces: [],
  regencies: new Map(),
  regionNames: new Map(),
  stop: null,
  titleKey: 'app.title',
  titleArgs: {},
};

/** Reads the vocabulary and the status machine; nothing in the console repeats them. */
export async function loadVocabulary() {
  app.vocabulary = await api.get('/v1/vocabulary', { auth: false });
  app.next = new Map(app.vocabulary.status_machine.map((step) => [step.status, step.next]));
}

/** The units and provinces, read once the caller has signed in. */
export async function loadReference() {
  const [units, provinces] = await Promise.all([
    api.all('/v1/units?limit=500'),
    api.all('/v1/regions?level=province&limit=500'),
  ]);
  app.units = units;
  app.provinces = provinces;
  for (const p of provinces) app.regionNames.set(p.code, p.name);
}

export function role() {
  return app.claims?.role;
}

/** The statuses a report may move to from `status`. */
export function allowedNext(status) {
  return app.next.get(status) ?? [];
}

/** Whether a case in `status` is being worked on at a unit. */
export function isOpenAtUnit(status) {
  return app.vocabulary.open_at_unit.includes(status);
}

/** Whether a case in `status` has no unit, so a supervisor may assign it by hand. */
export function awaitsAssignment(status) {
  return app.vocabulary.awaiting_assignment.includes(status);
}

export function unitName(code) {
  return app.units.find((u) => u.code === code)?.name ?? code;
}

export function categories() {
  return app.vocabulary.categories;
}

export function categoryLabels(code) {
  const c = categories().find((x) => x.code === code);
  return c ? [c.label_id, c.label_en] : [code, code];
}

export function categoryText(code) {
  const [id, en] = categoryLabels(code);
  return lang() === 'id' ? id : en;
}

export function categoryOptions() {
  return categories().map((c) => ({ value: c.code, labels: [c.label_id, c.label_en] }));
}

/** Options for a select of `values`, labelled by the vocabulary `kind`. */
export function vocabOptions(kind, values) {
  return values.map((v) => ({ value: v, vocab: `${kind}:${v}` }));
}

/** The regencies of a province, asked for once however many ask at once. */
export function regenciesOf(province) {
  if (!app.regencies.has(province)) {
    const loading = api.all(`/v1/regions?parent=${encodeURIComponent(province)}&limit=500`).then((items) => {
      for (const r of items) app.regionNames.set(r.code, r.name);
      return items;
    });
    loading.catch(() => app.regencies.delete(province));
    app.regencies.set(province, loading);
  }
  return app.regencies.get(province);
}
