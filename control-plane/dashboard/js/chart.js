// @ts-check
// A hand-written SVG line chart (no library: a few series of at most a few hundred points need
// nothing more, and SVG is styled by app.css under a 'self'-only CSP). Every series is one
// <path data-key> with a <circle> per point carrying its value in a <title>.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 200;
const PAD = { left: 56, right: 12, top: 10, bottom: 24 };
export const PALETTE_SIZE = 8;

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(Node | string)} children
 */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/**
 * @typedef {{t: number, v: number | null}} Point   t in ms; v null = no value in that bucket
 * @typedef {{key: string, points: Point[], summary: string}} Series
 * @param {{id: string, title: string, from: number, to: number, series: Series[], format: (v: number) => string}} opts
 */
export function lineChart({ id, title, from, to, series, format }) {
  const values = series.flatMap((s) => s.points.map((p) => p.v ?? 0));
  const max = niceMax(Math.max(0, ...values));
  const x = (/** @type {number} */ t) => PAD.left + ((t - from) / Math.max(to - from, 1)) * (W - PAD.left - PAD.right);
  const y = (/** @type {number} */ v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);

  const plot = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title`, class: 'chart-svg' });
  plot.append(svg('title', { id: `${id}-title` }, title));
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    plot.append(svg('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    plot.append(svg('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  const clock = (/** @type {number} */ t) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  plot.append(svg('text', { class: 'axis', x: PAD.left, y: H - 6 }, clock(from)));
  plot.append(svg('text', { class: 'axis', x: W - PAD.right, y: H - 6, 'text-anchor': 'end' }, clock(to)));

  series.forEach((s, i) => {
    const color = `s${i % PALETTE_SIZE}`;
    const drawn = s.points.filter((p) => p.v !== null);
    const d = drawn.map((p, j) => `${j ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(/** @type {number} */ (p.v)).toFixed(1)}`).join('');
    const g = svg('g', { class: `series ${color}`, 'data-key': s.key });
    if (d) g.append(svg('path', { d, 'data-key': s.key, 'data-points': drawn.length }));
    for (const p of drawn) {
      const v = /** @type {number} */ (p.v);
      g.append(svg('circle', { cx: x(p.t).toFixed(1), cy: y(v).toFixed(1), r: v ? 2.5 : 1, 'data-v': v }, svg('title', {}, `${s.key} ${clock(p.t)}: ${format(v)}`)));
    }
    plot.append(g);
  });

  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': `${title} by series` },
    series.map((s, i) => h('li', { 'data-key': s.key }, h('span', { class: `swatch s${i % PALETTE_SIZE}`, 'aria-hidden': 'true' }), h('span', { class: 'key' }, s.key), ' ', h('span', { class: 'value' }, s.summary))),
  );
  return h(
    'figure',
    { class: 'chart', id, 'data-series': series.length },
    h('figcaption', {}, title),
    series.length ? plot : h('p', { class: 'empty' }, 'No data in this range.'),
    series.length ? legend : null,
  );
}

/** The next round number at or above v, so axis labels read well. @param {number} v */
export function niceMax(v) {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}
