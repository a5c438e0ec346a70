// @ts-check
// The incident feed: grouped by priority (P1 first), newest first within a group, filtered by
// state, priority and namespace. Live changes update or move single rows; the rest stays put.
import { api, query } from '../api.js';
import { ago, badge, fill, h, heading, num } from '../dom.js';
import { live } from '../stream.js';

/** @typedef {import('../types.js').Incident} Incident */

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
const PRIORITY_NAMES = /** @type {Record<string, string>} */ ({ P1: 'critical', P2: 'high', P3: 'medium', P4: 'low' });
const STATES = [
  ['open,acknowledged', 'Active (open + acknowledged)'],
  ['open', 'Open'],
  ['acknowledged', 'Acknowledged'],
  ['resolved', 'Resolved'],
  ['', 'All'],
];

/** Filters survive leaving and coming back to the feed. */
const filters = { state: 'open,acknowledged', priorities: new Set(PRIORITIES), namespace: '' };

/** @param {Incident} i */
function matches(i) {
  return (!filters.state || filters.state.split(',').includes(i.state)) && filters.priorities.has(i.priority) && (!filters.namespace || i.key.namespace === filters.namespace);
}

/** @param {Incident} i */
function row(i) {
  const where = [i.key.namespace, i.workload?.name ?? i.key.workload, i.key.container].filter(Boolean).join(' / ');
  return h(
    'li',
    { 'data-id': i.id, 'data-last-seen': i.lastSeen },
    h(
      'a',
      { href: `#/incidents/${encodeURIComponent(i.id)}`, 'data-row': true, class: 'row', 'aria-label': `${i.priority} ${i.state}: ${i.title}` },
      badge('prio', i.priority),
      h('span', { class: 'title' }, i.title),
      h('span', { class: 'where' }, where || '–'),
      badge('state', i.state),
      h('span', { class: 'count', title: 'signals' }, `${num(i.signalCount)}×`),
      h('span', { class: 'when' }, ago(i.lastSeen)),
    ),
  );
}

/** Changes worth a flash: new, back again, or more urgent. */
const HIGHLIGHT = new Set(['opened', 'reopened', 'escalated']);
/** Without a change type, a new incident is one first seen a minute ago or less. @param {Incident} i */
const fresh = (i) => Date.now() - Date.parse(i.firstSeen) < 60_000;

/** @param {HTMLElement} root @param {{signal: AbortSignal}} ctx */
export async function render(root, { signal }) {
  const list = h('div', { class: 'groups' });
  const total = h('span', { class: 'total', role: 'status' });
  const nsList = h('datalist', { id: 'feed-namespaces' });

  const stateSel = h('select', { id: 'feed-state', 'aria-label': 'State' }, STATES.map(([v, label]) => h('option', { value: v, selected: v === filters.state }, label)));
  stateSel.addEventListener('change', () => {
    filters.state = stateSel.value;
    void load();
  });
  const ns = h('input', { id: 'feed-namespace', type: 'search', placeholder: 'namespace', list: 'feed-namespaces', value: filters.namespace, 'aria-label': 'Namespace' });
  let timer = 0;
  ns.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      filters.namespace = ns.value.trim();
      void load();
    }, 250);
  });
  const prios = h(
    'fieldset',
    { class: 'inline' },
    h('legend', {}, 'Priority'),
    PRIORITIES.map((p) => {
      const box = h('input', { type: 'checkbox', id: `feed-${p}`, checked: filters.priorities.has(p) });
      box.addEventListener('change', () => {
        if (box.checked) filters.priorities.add(p);
        else filters.priorities.delete(p);
        void load();
      });
      return h('label', { for: `feed-${p}` }, box, ` ${p}`);
    }),
  );
  fill(
    root,
    heading('Incidents', total),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter incidents', onsubmit: (e) => e.preventDefault() }, h('label', { for: 'feed-state' }, 'State '), stateSel, ' ', h('label', { for: 'feed-namespace' }, 'Namespace '), ns, nsList, prios),
    list,
  );

  /** One section per priority, created once; rows move between them. */
  const groups = new Map(
    PRIORITIES.map((p) => {
      const ol = h('ol', { class: 'rows', 'aria-labelledby': `group-${p}` });
      const count = h('span', { class: 'n' });
      const section = h('section', { class: `group prio-${p}`, 'data-priority': p }, h('h2', { id: `group-${p}` }, `${p} · ${PRIORITY_NAMES[p]} `, count), ol);
      return [p, { section, ol, count }];
    }),
  );

  function counts() {
    let n = 0;
    for (const [p, g] of groups) {
      const c = g.ol.children.length;
      n += c;
      g.count.textContent = `(${c})`;
      g.section.hidden = c === 0 || !filters.priorities.has(p);
    }
    total.textContent = `${n} shown`;
    const empty = list.querySelector('.empty');
    if (n === 0 && !empty) list.append(h('p', { class: 'empty' }, 'No incidents match these filters.'));
    if (n > 0) empty?.remove();
  }

  /** Inserts, moves or removes one incident's row. @param {Incident} i */
  function upsert(i, highlight = false) {
    list.querySelector(`li[data-id="${CSS.escape(i.id)}"]`)?.remove();
    if (!matches(i)) return;
    const g = groups.get(i.priority);
    if (!g) return;
    const li = row(i);
    if (highlight) li.classList.add('fresh');
    const after = [...g.ol.children].find((c) => (c.getAttribute('data-last-seen') ?? '') < i.lastSeen);
    g.ol.insertBefore(li, after ?? null);
  }

  async function load() {
    const q = query({ sort: 'priority', limit: 500, state: filters.state, priority: [...filters.priorities].join(','), namespace: filters.namespace });
    /** @type {{items: Incident[], total?: number}} */
    const res = await api(`/api/incidents${q}`);
    if (signal.aborted) return;
    for (const g of groups.values()) g.ol.replaceChildren();
    fill(list, [...groups.values()].map((g) => g.section));
    for (const i of res.items) upsert(i);
    fill(nsList, [...new Set(res.items.map((i) => i.key.namespace))].sort().map((n) => h('option', { value: n })));
    counts();
  }

  live.addEventListener(
    'incident',
    (e) => {
      const d = /** @type {CustomEvent<any>} */ (e).detail;
      /** @type {Incident | undefined} */
      const i = d?.incident ?? d;
      if (!i?.id || !i.key) return;
      upsert(i, d?.type ? HIGHLIGHT.has(d.type) : fresh(i));
      counts();
    },
    { signal },
  );
  await load();
}
