// @ts-check
// Sensor health per node (from the sensors' heartbeats): last seen, healthy or not, events by
// kind, losses by probe, backlog, attached TLS targets.
// Live `sensor` messages replace the node's row.
import { api } from '../api.js';
import { ago, badge, fill, h, heading, num } from '../dom.js';
import { live } from '../stream.js';

/** @typedef {import('../types.js').Sensor} Sensor */

/** @param {Record<string, number>} counts */
const breakdown = (counts) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${num(n)}`)
    .join(', ') || '–';

/** Events waiting to be published, and whether the sensor reaches the broker. @param {Sensor['backlog']} b */
function backlog(b) {
  if (!b) return '–';
  const parts = [b.events !== undefined ? `${num(b.events)} events` : '', b.connected === false ? 'disconnected' : '', b.publishFailures ? `${num(b.publishFailures)} publish failures` : ''];
  return parts.filter(Boolean).join(', ') || '0';
}

/** @param {Sensor} s */
function row(s) {
  const events = Object.values(s.events).reduce((a, b) => a + b, 0);
  return h(
    'tr',
    { 'data-row': true, tabindex: 0, 'data-node': s.node, class: s.healthy ? '' : 'unhealthy' },
    h('th', { scope: 'row' }, s.node),
    h('td', {}, badge('health', s.healthy ? 'healthy' : 'unhealthy')),
    h('td', {}, ago(s.lastSeen)),
    h('td', {}, s.version ?? '–'),
    h('td', { class: 'num', title: breakdown(s.events) }, num(events)),
    h('td', {}, breakdown(s.events)),
    h('td', { class: s.lostTotal ? 'num error' : 'num', 'data-lost': s.lostTotal }, num(s.lostTotal)),
    h('td', {}, breakdown(s.losses)),
    h('td', {}, backlog(s.backlog)),
    h('td', { class: 'num' }, s.targets === undefined ? '–' : num(s.targets)),
  );
}

/** @param {HTMLElement} root @param {{signal: AbortSignal}} ctx */
export async function render(root, { signal }) {
  const tbody = h('tbody');
  const summary = h('span', { class: 'muted', role: 'status' });
  fill(
    root,
    heading('Sensors', summary),
    h('table', { class: 'sensors' }, h('thead', {}, h('tr', {}, ['Node', 'Health', 'Last seen', 'Version', 'Events', 'By kind', 'Lost', 'Losses by probe', 'Backlog', 'TLS targets'].map((c) => h('th', { scope: 'col' }, c)))), tbody),
  );
  /** @type {Map<string, Sensor>} */
  const nodes = new Map();
  const draw = () => {
    const all = [...nodes.values()].sort((a, b) => Number(a.healthy) - Number(b.healthy) || a.node.localeCompare(b.node));
    fill(tbody, all.length ? all.map(row) : h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No sensor has reported yet.')));
    summary.textContent = `${all.filter((s) => s.healthy).length} of ${all.length} healthy`;
  };
  /** @type {{items: Sensor[]}} */
  const res = await api('/api/sensors');
  if (signal.aborted) return;
  for (const s of res.items) nodes.set(s.node, s);
  draw();
  live.addEventListener(
    'sensor',
    (e) => {
      const d = /** @type {CustomEvent<any>} */ (e).detail;
      /** @type {Sensor[]} */
      const items = Array.isArray(d?.items) ? d.items : [d];
      for (const s of items) if (s?.node) nodes.set(s.node, s);
      draw();
    },
    { signal },
  );
}
