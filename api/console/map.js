// The map of Indonesia's regencies and cities, drawn as SVG by the page from
// the outlines of regencies.json (already projected to the map's
// coordinates). It is built once per visit and then only recoloured: each
// regency gets a class for how many categories it lacks a sourced coverage
// rule for, and a <title> saying which. Like the charts, the map is an image
// with a text alternative; the page gives the same data as a table.

import { h, s } from './dom.js';
import { formatNumber } from './i18n.js';

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
  const id = `map-${++serial}`;
  const title = s('title', { id: `${id}-title` });
  const desc = s('desc', { id: `${id}-desc` });
  const svg = s('svg', {
    class: 'gap-map', viewBox, role: 'img', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-desc`,
    preserveAspectRatio: 'xMidYMid meet', 'data-state': 'drawn',
  }, title, desc);
  const group = s('g', { class: 'regencies' });
  const shapes = regencies.map((regency) => {
    const tip = s('title', {}, regency.name);
    const path = s('path', { d: regency.d, class: 'regency unknown', 'data-code': regency.code }, tip);
    group.append(path);
    return { regency, path, tip, className: 'unknown' };
  });
  svg.append(group);

  return {
    svg,
    count: shapes.length,
    paint({ title: titleText, description, state, single = false, category = '' }) {
      title.textContent = titleText;
      desc.textContent = description;
      for (const shape of shapes) {
        const { missing, text } = state(shape.regency);
        const className = gapClass(missing, single);
        if (className !== shape.className) {
          shape.path.setAttribute('class', `regency ${className}`);
          shape.className = className;
        }
        shape.path.setAttribute('data-missing', missing ?? '');
        if (shape.tip.textContent !== text) shape.tip.textContent = text;
      }
      svg.setAttribute('data-category', category);
      svg.setAttribute('data-state', 'painted');
    },
  };
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
