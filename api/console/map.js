// The map of Indonesia's regencies and cities, drawn as SVG by the page from
// the outlines of regencies.json (already projected to the map's
// coordinates). It is built once per visit and then only recoloured: each
// regency gets a class for how many categories it lacks a sourced coverage
// rule for, and a <title> saying which. Like the charts, the map is an image
// with a text alternative; the page gives the same data as a table.
// The statistics page draws the same outlines as a choropleth (`choroplethMap`):
// a measure per regency in sequential classes, zoomable to one province.

import * as api from './api.js';
import { h, s } from './dom.js';
import { formatNumber } from './i18n.js';

/** The outlines of every regency, fetched once per page load. */
let regencyOutlines = null;
export function regencyMapData() {
  if (!regencyOutlines) {
    regencyOutlines = api.get('regencies.json', { auth: false });
    regencyOutlines.catch(() => {
      regencyOutlines = null;
    });
  }
  return regencyOutlines;
}

/** Sequential classes after "covered": one per category lacking a source. */
export const GAP_SHADES = 8;
/** The shade of a gap when the map shows one category (gap or not). */
const SINGLE_SHADE = 6;
let serial = 0;

/**
 * The class of a regency: `unknown` before the gaps are known, `covered`
 * when no category lacks a source, else `gap gap-N` (N = categories lacking
 * one; one shade only when the map shows a single category).
 */
export function gapClass(missing, single = false) {
  if (missing === null || missing === undefined) return 'unknown';
  if (missing === 0) return 'covered';
  return `gap gap-${single ? SINGLE_SHADE : Math.min(missing, GAP_SHADES)}`;
}

/**
 * The map of `regencies` (`[{code, name, d}]`) in `viewBox`. `paint` colours
 * it: `state(regency)` gives each one's `{missing, text}`; `title` and
 * `description` are the text alternative of the whole image.
 */
export function gapMap({ viewBox, regencies }) {
  const { svg, title, desc, shapes } = drawRegencies({ viewBox, regencies, className: 'gap-map' });
  return {
    svg,
    count: shapes.length,
    paint({ title: titleText, description, state, single = false, category = '' }) {
      title.textContent = titleText;
      desc.textContent = description;
      for (const shape of shapes) {
        const { missing, text } = state(shape.regency);
        setShape(shape, gapClass(missing, single), text);
        shape.path.setAttribute('data-missing', missing ?? '');
      }
      svg.setAttribute('data-category', category);
      svg.setAttribute('data-state', 'painted');
    },
  };
}

/** The SVG of every regency's outline, each a `path.regency` with its code. */
function drawRegencies({ viewBox, regencies, className }) {
  const id = `map-${++serial}`;
  const title = s('title', { id: `${id}-title` });
  const desc = s('desc', { id: `${id}-desc` });
  const svg = s('svg', {
    class: className, viewBox, role: 'img', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-desc`,
    preserveAspectRatio: 'xMidYMid meet', 'data-state': 'drawn',
  }, title, desc);
  const group = s('g', { class: 'regencies' });
  const shapes = regencies.map((regency) => {
    const tip = s('title', {}, regency.name);
    const path = s('path', { d: regency.d, class: 'regency unknown', 'data-code': regency.code, 'data-province': regency.province }, tip);
    group.append(path);
    return { regency, path, tip, className: 'unknown' };
  });
  svg.append(group);
  return { svg, title, desc, shapes };
}

function setShape(shape, className, text) {
  if (className !== shape.className) {
    shape.path.setAttribute('class', `regency ${className}`);
    shape.className = className;
  }
  if (shape.tip.textContent !== text) shape.tip.textContent = text;
}

/** The box `[minX, minY, maxX, maxY]` of outlines (absolute M/L/Z paths). */
export function bounds(paths) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const d of paths) {
    const numbers = d.match(/-?\d+(?:\.\d+)?/g) ?? [];
    for (let i = 0; i + 1 < numbers.length; i += 2) {
      const x = Number(numbers[i]);
      const y = Number(numbers[i + 1]);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return Number.isFinite(x0) ? [x0, y0, x1, y1] : null;
}

/** Sequential classes of the choropleth, light to dark. */
export const CHORO_CLASSES = 5;

/**
 * Class breaks for `values` (numbers, nulls left out): equal steps from 0 to
 * the largest value, or over [0, 1] for shares (small counts: a class per
 * count). Returns the upper bound of each class.
 */
export function breaks(values, { share = false } = {}) {
  const max = share ? 1 : Math.max(0, ...values.filter((v) => v !== null && v !== undefined));
  if (!share && max < CHORO_CLASSES) {
    // Small counts: one class per count from 0, so 0, 1 and 2 never share a colour.
    return Array.from({ length: Math.max(1, max) + 1 }, (_, i) => i);
  }
  return Array.from({ length: CHORO_CLASSES }, (_, i) => (max * (i + 1)) / CHORO_CLASSES);
}

/**
 * The shade of class `i` of `n`: with fewer classes than shades they spread
 * to the dark end, so that the highest value is always the darkest and a
 * single class stands out from "no data".
 */
function shade(i, n) {
  return `choro choro-${Math.min(CHORO_CLASSES, Math.max(1, Math.round(((i + 1) * CHORO_CLASSES) / n)))}`;
}

/** The class of `value` among `limits`: `nodata` for null, else `choro choro-N`. */
export function choroClass(value, limits) {
  if (value === null || value === undefined) return 'nodata';
  const n = limits.findIndex((limit) => value <= limit + 1e-9);
  return shade(n < 0 ? limits.length - 1 : n, limits.length);
}

/**
 * A choropleth of `regencies` (`[{code, name, province, d}]`): `paint`
 * gives each regency a class from `value(regency)` (null: no data) and a
 * tooltip; `zoom(province)` fits the view to that province's regencies
 * (empty: the whole country).
 */
export function choroplethMap({ viewBox, regencies }) {
  const { svg, title, desc, shapes } = drawRegencies({ viewBox, regencies, className: 'gap-map choropleth' });
  const boxes = new Map();
  for (const regency of regencies) {
    const list = boxes.get(regency.province) ?? [];
    list.push(regency.d);
    boxes.set(regency.province, list);
  }
  return {
    svg,
    count: shapes.length,
    paint({ title: titleText, description, value, text, limits }) {
      title.textContent = titleText;
      desc.textContent = description;
      for (const shape of shapes) {
        const v = value(shape.regency);
        setShape(shape, choroClass(v, limits), text(shape.regency, v));
        shape.path.setAttribute('data-value', v ?? '');
      }
      svg.setAttribute('data-state', 'painted');
    },
    zoom(province) {
      const box = province ? bounds(boxes.get(province) ?? []) : null;
      if (!box) {
        svg.setAttribute('viewBox', viewBox);
        svg.removeAttribute('data-province');
        for (const shape of shapes) shape.path.classList.remove('outside');
        return;
      }
      const [x0, y0, x1, y1] = box;
      const pad = Math.max(x1 - x0, y1 - y0) * 0.05 + 0.5;
      svg.setAttribute('viewBox', [x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad].map((n) => n.toFixed(1)).join(' '));
      svg.setAttribute('data-province', province);
      for (const shape of shapes) shape.path.classList.toggle('outside', shape.regency.province !== province);
    },
    /** Calls `onPick(province)` when a regency is clicked or chosen by key. */
    onPick(onPick) {
      svg.addEventListener('click', (e) => {
        const path = e.target.closest?.('path.regency');
        if (path) onPick(path.dataset.province);
      });
    },
  };
}

/** The key of a choropleth: "no data", then each class with its range. */
export function choroLegend({ titleKey, limits, format }) {
  const item = (className, label) => h('li', {}, h('span', { class: `swatch ${className}`, 'aria-hidden': 'true' }), label);
  let low = 0;
  const items = [item('nodata', h('span', { i18n: 'map.legend.nodata' }))];
  // Small counts have a class per count; other classes are ranges.
  const perCount = limits.every((limit, i) => limit === i);
  limits.forEach((limit, i) => {
    const label = perCount ? format(limit) : `${format(low)}–${format(limit)}`;
    items.push(item(shade(i, limits.length), h('span', { text: label })));
    low = limit;
  });
  return h('div', { class: 'map-legend' }, h('p', { class: 'legend-title', i18n: titleKey }), h('ul', {}, items));
}

/**
 * The key of the map: 0 (covered) to 8 categories without a source, or for
 * one category covered / not covered.
 */
export function gapLegend({ single = false, known = true, categoryLabel = '' }) {
  const item = (className, label) => h('li', {}, h('span', { class: `swatch ${className}`, 'aria-hidden': 'true' }), label);
  const items = [];
  if (!known) items.push(item('unknown', h('span', { i18n: 'gaps.legend.unknown' })));
  items.push(item('covered', h('span', { i18n: 'gaps.legend.covered' })));
  if (single) items.push(item(gapClass(1, true), h('span', { i18n: 'gaps.legend.gap' })));
  else {
    for (let n = 1; n <= GAP_SHADES; n += 1) items.push(item(gapClass(n), h('span', { text: formatNumber(n) })));
  }
  return h('div', { class: 'map-legend' },
    single
      ? h('p', { class: 'legend-title', i18n: 'gaps.legend.one', args: { category: categoryLabel } })
      : h('p', { class: 'legend-title', i18n: 'gaps.legend' }),
    h('ul', {}, items));
}
