// @ts-check
// AI usage: calls, tokens, latency p50/p95 and cost over time, split by namespace, model or
// provider (the top keys by calls; the rest summed as "other"), plus the recent calls with
// filters. New calls arrive live; the charts re-read the series at most every few seconds.
import { api, query } from '../api.js';
import { lineChart, PALETTE_SIZE } from '../chart.js';
import { fill, h, heading, ms, num, time, usd } from '../dom.js';
import { live } from '../stream.js';

/**
 * @typedef {import('../types.js').AiSeries} AiSeries
 * @typedef {import('../types.js').SeriesPoint} SeriesPoint
 * @typedef {import('../types.js').AiCallRow} AiCallRow
 */

const RANGES = /** @type {const} */ ([
  ['15m', 15 * 60],
  ['1h', 3600],
  ['6h', 6 * 3600],
  ['24h', 86400],
  ['7d', 7 * 86400],
]);
const BUCKETS = 60;
const RECENT = 50;
const state = { range: '1h', by: 'namespace', filters: { namespace: '', pod: '', provider: '', model: '', status: '' } };

/** Keeps the busiest keys and folds the rest into "other" (summable metrics only). @param {AiSeries['series']} series @param {boolean} foldable */
export function topSeries(series, foldable) {
  const byCalls = [...series].sort((a, b) => sum(b.points, 'calls') - sum(a.points, 'calls'));
  const keep = byCalls.slice(0, PALETTE_SIZE - 1);
  const rest = byCalls.slice(PALETTE_SIZE - 1);
  if (!rest.length || !foldable) return keep;
  /** @type {Map<string, SeriesPoint>} */
  const other = new Map();
  for (const s of rest)
    for (const p of s.points) {
      const o = other.get(p.t) ?? { t: p.t, calls: 0, errors: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyP50Ms: null, latencyP95Ms: null };
      o.calls += p.calls;
      o.errors += p.errors;
      o.tokensIn += p.tokensIn;
      o.tokensOut += p.tokensOut;
      o.costUsd += p.costUsd;
      other.set(p.t, o);
    }
  return [...keep, { key: 'other', points: [...other.values()].sort((a, b) => a.t.localeCompare(b.t)) }];
}

/** @param {SeriesPoint[]} points @param {'calls' | 'errors' | 'tokensIn' | 'tokensOut' | 'costUsd'} field */
function sum(points, field) {
  return points.reduce((n, p) => n + p[field], 0);
}

/** @param {AiSeries} data */
function charts(data) {
  const from = Date.parse(data.from);
  const to = Date.parse(data.to);
  const summable = topSeries(data.series, true);
  const timed = topSeries(data.series, false);
  /** @param {string} id @param {string} title @param {(p: SeriesPoint) => number | null} value @param {(v: number) => string} format @param {(s: {points: SeriesPoint[]}) => string} summary @param {AiSeries['series']} series */
  const chart = (id, title, value, format, summary, series) =>
    lineChart({
      id,
      title,
      from,
      to,
      format,
      series: series.map((s) => ({ key: s.key, summary: summary(s), points: s.points.map((p) => ({ t: Date.parse(p.t), v: value(p) })) })),
    });
  const maxOf = (/** @type {SeriesPoint[]} */ pts, /** @type {'latencyP50Ms' | 'latencyP95Ms'} */ f) => Math.max(...pts.map((p) => p[f] ?? 0));
  return [
    chart('chart-calls', 'Calls', (p) => p.calls, (v) => num(Number(v.toPrecision(2))), (s) => `${num(sum(s.points, 'calls'))} calls, ${num(sum(s.points, 'errors'))} errors`, summable),
    chart('chart-tokens', 'Tokens (in + out)', (p) => p.tokensIn + p.tokensOut, (v) => num(Math.round(v)), (s) => `${num(sum(s.points, 'tokensIn'))} in, ${num(sum(s.points, 'tokensOut'))} out`, summable),
    chart('chart-p50', 'Latency p50', (p) => p.latencyP50Ms, (v) => ms(v), (s) => `max ${ms(maxOf(s.points, 'latencyP50Ms'))}`, timed),
    chart('chart-p95', 'Latency p95', (p) => p.latencyP95Ms, (v) => ms(v), (s) => `max ${ms(maxOf(s.points, 'latencyP95Ms'))}`, timed),
    chart('chart-cost', 'Cost (USD)', (p) => p.costUsd, (v) => usd(v), (s) => usd(sum(s.points, 'costUsd')), summable),
  ];
}

/** @param {AiSeries} data */
function totals(data) {
  const all = data.series.flatMap((s) => s.points);
  /** @param {string} label @param {string} value @param {string} field */
  const tile = (label, value, field) => h('div', { class: 'tile', 'data-total': field }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
  return h(
    'div',
    { class: 'tiles', role: 'group', 'aria-label': 'Totals in this range' },
    tile('Calls', num(sum(all, 'calls')), 'calls'),
    tile('Errors', num(sum(all, 'errors')), 'errors'),
    tile('Tokens in', num(sum(all, 'tokensIn')), 'tokensIn'),
    tile('Tokens out', num(sum(all, 'tokensOut')), 'tokensOut'),
    tile('Cost', usd(sum(all, 'costUsd')), 'costUsd'),
  );
}

/** @param {AiCallRow} c */
function callRow(c) {
  const failed = c.error || (c.status !== undefined && c.status >= 400);
  return h(
    'tr',
    { 'data-row': true, tabindex: 0, 'data-id': c.id, class: failed ? 'failed' : '' },
    h('td', {}, time(c.time)),
    h('td', {}, c.namespace ?? '–', c.pod ? h('span', { class: 'muted' }, ` / ${c.pod}`) : null),
    h('td', {}, c.provider),
    h('td', {}, c.model ?? '–'),
    h('td', {}, c.error ? `${c.status ?? ''} ${c.error}`.trim() : String(c.status ?? '–')),
    h('td', { class: 'num' }, ms(c.latencyMs)),
    h('td', { class: 'num' }, `${num(c.tokensIn)} / ${num(c.tokensOut)}`),
    h('td', { class: 'num' }, usd(c.costUsd)),
  );
}

/** @param {AiCallRow} c */
function matches(c) {
  const f = state.filters;
  const status = f.status === 'ok' ? !c.error && (c.status ?? 200) < 400 : f.status === 'error' ? Boolean(c.error) || (c.status ?? 0) >= 400 : !f.status || String(c.status) === f.status;
  return (!f.namespace || c.namespace === f.namespace) && (!f.pod || c.pod === f.pod) && (!f.provider || c.provider === f.provider) && (!f.model || c.model === f.model) && status;
}

/** @param {HTMLElement} root @param {{signal: AbortSignal}} ctx */
export async function render(root, { signal }) {
  const tiles = h('div');
  const chartBox = h('div', { class: 'charts', 'aria-live': 'off' });
  const tbody = h('tbody');
  const calls = h('span', { class: 'muted', role: 'status' });

  const range = h('select', { id: 'ai-range', 'aria-label': 'Time range' }, RANGES.map(([r]) => h('option', { value: r, selected: r === state.range }, `last ${r}`)));
  range.addEventListener('change', () => {
    state.range = range.value;
    void loadSeries();
  });
  const by = h(
    'fieldset',
    { class: 'inline', id: 'ai-by' },
    h('legend', {}, 'Split by'),
    ['namespace', 'model', 'provider'].map((b) => {
      const radio = h('input', { type: 'radio', name: 'ai-by', id: `ai-by-${b}`, value: b, checked: b === state.by });
      radio.addEventListener('change', () => {
        state.by = b;
        void loadSeries();
      });
      return h('label', { for: `ai-by-${b}` }, radio, ` ${b}`);
    }),
  );

  const filterFields = /** @type {const} */ (['namespace', 'pod', 'provider', 'model', 'status']);
  let timer = 0;
  const filterForm = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter AI calls', onsubmit: (e) => e.preventDefault() },
    filterFields.map((f) => {
      const input = h('input', { id: `ai-f-${f}`, type: 'search', value: state.filters[f], placeholder: f === 'status' ? 'ok | error | 429' : f, 'aria-label': f });
      input.addEventListener('input', () => {
        clearTimeout(timer);
        timer = window.setTimeout(() => {
          state.filters[f] = input.value.trim();
          void loadCalls();
        }, 250);
      });
      return h('label', { for: `ai-f-${f}` }, `${f} `, input);
    }),
  );

  fill(
    root,
    heading('AI usage', range, by),
    tiles,
    chartBox,
    h(
      'section',
      { 'aria-labelledby': 'calls-h' },
      h('h2', { id: 'calls-h' }, 'Recent calls ', calls),
      filterForm,
      h('table', { class: 'calls' }, h('thead', {}, h('tr', {}, ['Time', 'Namespace / pod', 'Provider', 'Model', 'Status', 'Latency', 'Tokens in / out', 'Cost'].map((c) => h('th', { scope: 'col' }, c)))), tbody),
    ),
  );

  async function loadSeries() {
    const seconds = RANGES.find(([r]) => r === state.range)?.[1] ?? 3600;
    const now = Date.now();
    // Aligned to the step so a refresh keeps the same buckets.
    const step = Math.max(10, Math.round(seconds / BUCKETS));
    const until = new Date(Math.ceil(now / 1000 / step) * step * 1000);
    /** @type {AiSeries} */
    const data = await api(`/api/ai-calls/series${query({ since: new Date(until.getTime() - seconds * 1000).toISOString(), until: until.toISOString(), step, by: state.by })}`);
    if (signal.aborted) return;
    fill(tiles, totals(data));
    fill(chartBox, charts(data));
  }

  async function loadCalls() {
    /** @type {{items: AiCallRow[], total: number}} */
    const res = await api(`/api/ai-calls${query({ ...state.filters, limit: RECENT })}`);
    if (signal.aborted) return;
    // Newest first by the call's own time (rows are stored in arrival order).
    fill(tbody, [...res.items].sort((a, b) => b.time.localeCompare(a.time)).map(callRow));
    calls.textContent = `(${num(res.items.length)} of ${num(res.total)})`;
  }

  let seriesTimer = 0;
  let callsTimer = 0;
  const reloadSoon = () => {
    if (!callsTimer) callsTimer = window.setTimeout(() => ((callsTimer = 0), void loadCalls()), 1000);
  };
  live.addEventListener(
    'ai_call',
    (e) => {
      const d = /** @type {CustomEvent<any>} */ (e).detail;
      // One row each, or under load `{coalesced: n}` for rows not sent one by one: re-read then.
      if (d?.coalesced) reloadSoon();
      // A row the list already shows (published while the list was being read) is not added twice.
      else if (d?.id && matches(d) && !tbody.querySelector(`tr[data-id="${CSS.escape(d.id)}"]`)) {
        tbody.prepend(callRow(d));
        while (tbody.children.length > RECENT) tbody.lastElementChild?.remove();
      }
      if (!seriesTimer) seriesTimer = window.setTimeout(() => ((seriesTimer = 0), void loadSeries()), 3000);
    },
    { signal },
  );
  signal.addEventListener('abort', () => {
    clearTimeout(seriesTimer);
    clearTimeout(callsTimer);
  });
  await Promise.all([loadSeries(), loadCalls()]);
}
