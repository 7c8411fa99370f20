// Charts drawn as SVG by the page itself: horizontal bars (one or more
// series) and columns over days. Each chart is an image with a text
// alternative, and its numbers are also given as a table.

import { h, s } from './dom.js';
import { t, formatNumber } from './i18n.js';

let serial = 0;

/** Shortens `text` to about `chars` characters, with an ellipsis. */
function fit(text, chars) {
  return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1))}…`;
}

/**
 * Horizontal bars. `items`: `[{label, values: [number|null, …], note?, className?}]`;
 * `series`: `[{label, className}]` (one per value); `format(value)` prints a
 * value; `max` fixes the scale (else the largest value). Narrow charts put
 * each label above its bars instead of beside them.
 */
export function barChart({ title, items, series, format = (v) => formatNumber(v), max, width = 640, describe }) {
  const id = `chart-${++serial}`;
  if (!items.length) {
    return chartFigure({ id, title, svg: h('p', { class: 'muted', i18n: 'stats.nodata' }), table: null });
  }
  const stacked = width < 440;
  const rowGap = 10;
  const barHeight = series.length > 1 ? 14 : 20;
  const labelLine = stacked ? 18 : 0;
  const rowHeight = labelLine + barHeight * series.length + rowGap + (series.length > 1 ? 4 : 0);
  const labelWidth = stacked ? 0 : Math.min(Math.max(110, Math.round(width * 0.34)), 240);
  const plotLeft = stacked ? 0 : labelWidth;
  // Room after the longest bar for the longest value text (about 7 px a character).
  const valueText = (item, value, i) => (i === 0 && item.note ? `${format(value)} · ${item.note}` : format(value));
  const longest = Math.max(...items.flatMap((item) => item.values.map((v, i) => valueText(item, v, i).length)), 4);
  const valueWidth = Math.min(Math.round(width * 0.45), longest * 7 + 12);
  const plotWidth = Math.max(60, width - plotLeft - valueWidth - 8);
  const legendHeight = series.length > 1 ? 26 : 0;
  const height = legendHeight + items.length * rowHeight + 4;
  const scale = max ?? Math.max(1, ...items.flatMap((i) => i.values.filter((v) => v !== null && v !== undefined)));

  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-labelledby': `${id}-title`,
    'aria-describedby': `${id}-desc`,
  });
  svg.append(s('title', { id: `${id}-title` }, title));
  svg.append(s('desc', { id: `${id}-desc` }, describe ?? items.map((i) => `${i.label}: ${i.values.map(format).join(' / ')}`).join('; ')));

  if (series.length > 1) {
    let x = plotLeft;
    for (const item of series) {
      svg.append(s('rect', { x, y: 6, width: 12, height: 12, rx: 2, class: `bar ${item.className}` }));
      svg.append(s('text', { x: x + 18, y: 16, class: 'legend' }, item.label));
      x += 28 + item.label.length * 7.5;
    }
  }

  items.forEach((item, row) => {
    const top = legendHeight + row * rowHeight;
    const group = s('g', { class: 'row' });
    const label = stacked
      ? s('text', { x: 0, y: top + 13, class: 'label' }, s('title', {}, item.label), fit(item.label, Math.floor(width / 7)))
      : s('text', { x: labelWidth - 8, y: top + (barHeight * series.length) / 2 + 4, 'text-anchor': 'end', class: 'label' },
        s('title', {}, item.label), fit(item.label, Math.floor((labelWidth - 12) / 7)));
    group.append(label);
    item.values.forEach((value, i) => {
      const y = top + labelLine + i * barHeight;
      const barWidth = Math.min(plotWidth, value ? Math.max(2, (value / scale) * plotWidth) : 0);
      group.append(s('rect', { x: plotLeft, y: y + 1, width: plotWidth, height: barHeight - 2, class: 'track' }));
      group.append(s('rect', {
        x: plotLeft, y: y + 1, width: barWidth, height: barHeight - 2, rx: 2, class: `bar ${item.className ?? series[i].className}`,
      }));
      group.append(s('text', { x: plotLeft + barWidth + 6, y: y + barHeight / 2 + 4, class: 'value' }, valueText(item, value, i)));
    });
    svg.append(group);
  });
  return chartFigure({ id, title, svg, table: dataTable(items, series, format) });
}

/** Columns, one per day (`[{label, value}]`), for counts over time. */
export function columnChart({ title, items, width = 640 }) {
  const id = `chart-${++serial}`;
  const height = 180;
  const left = 36;
  const bottom = 24;
  const plotHeight = height - bottom - 12;
  const max = Math.max(1, ...items.map((i) => i.value));
  const step = (width - left - 4) / Math.max(1, items.length);
  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-desc`,
  });
  svg.append(s('title', { id: `${id}-title` }, title));
  svg.append(s('desc', { id: `${id}-desc` }, items.map((i) => `${i.label}: ${i.value}`).join('; ')));
  for (const fraction of [0, 0.5, 1]) {
    const y = 12 + plotHeight * (1 - fraction);
    svg.append(s('line', { x1: left, x2: width, y1: y, y2: y, class: 'grid' }));
    svg.append(s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, formatNumber(max * fraction)));
  }
  const every = Math.max(1, Math.ceil(items.length / Math.max(1, Math.floor(width / 70))));
  items.forEach((item, i) => {
    const barHeight = (item.value / max) * plotHeight;
    const x = left + i * step;
    svg.append(s('rect', {
      x: x + step * 0.15, y: 12 + plotHeight - barHeight, width: Math.max(1, step * 0.7), height: barHeight, rx: 1, class: 'bar primary',
    }, s('title', {}, `${item.label}: ${formatNumber(item.value)}`)));
    if (i % every === 0) {
      svg.append(s('text', { x: x + step / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis' }, item.short ?? item.label));
    }
  });
  return chartFigure({
    id, title, svg, table: dataTable(items.map((i) => ({ label: i.label, values: [i.value] })), [{ label: t('stats.col.count') }], (v) => formatNumber(v)),
  });
}

function chartFigure({ id, title, svg, table }) {
  return h('figure', { class: 'chart-figure', 'aria-labelledby': `${id}-caption` },
    h('figcaption', { id: `${id}-caption`, class: 'chart-title', text: title }),
    h('div', { class: 'chart-frame' }, svg),
    table ? h('details', { class: 'chart-data' }, h('summary', { i18n: 'stats.table' }), table) : null);
}

function dataTable(items, series, format) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', i18n: 'stats.col.item' }),
      series.map((sr) => h('th', { scope: 'col', text: sr.label })))),
    h('tbody', {}, items.map((item) => h('tr', {},
      h('th', { scope: 'row', text: item.label }),
      item.values.map((v, i) => h('td', { text: i === 0 && item.note ? `${format(v)} (${item.note})` : format(v) })))))));
}
