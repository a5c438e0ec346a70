// @ts-check
// Remediation history: every proposal and what became of it, newest first, by state. Pending
// rows carry approve / reject; a and r act on the focused (or first) pending row.
import { api, query } from '../api.js';
import { decide, describeAction } from '../decide.js';
import { badge, fill, h, heading, time } from '../dom.js';
import { setActions } from '../keys.js';
import { live } from '../stream.js';

/** @typedef {import('../types.js').Approval} Approval */

const STATES = ['', 'pending', 'approved', 'rejected', 'refused', 'applied', 'failed', 'dry-run', 'duplicate'];
let filter = '';

/** @param {HTMLElement} root @param {{signal: AbortSignal}} ctx */
export async function render(root, { signal }) {
  const tbody = h('tbody');
  const sel = h('select', { id: 'rem-state', 'aria-label': 'State' }, STATES.map((s) => h('option', { value: s, selected: s === filter }, s || 'all states')));
  sel.addEventListener('change', () => {
    filter = sel.value;
    void load();
  });
  fill(
    root,
    heading('Remediations', sel),
    h('table', { class: 'remediations' }, h('thead', {}, h('tr', {}, ['Proposed', 'Incident', 'Action', 'State', 'By', 'Decided by', 'Result', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody),
  );

  /** @type {Approval[]} */
  let items = [];
  /** @param {Approval} a */
  const row = (a) =>
    h(
      'tr',
      { 'data-row': true, tabindex: 0, 'data-id': a.id, 'data-state': a.state },
      h('td', {}, time(a.proposedAt)),
      h('td', {}, h('a', { href: `#/incidents/${encodeURIComponent(a.incidentId)}` }, a.incidentId)),
      h('td', {}, describeAction(a), a.kubectl ? h('div', {}, h('code', { class: 'muted' }, a.kubectl)) : null),
      h('td', {}, badge('rstate', a.state)),
      h('td', {}, `${a.proposedBy.type}${a.proposedBy.name ? ` ${a.proposedBy.name}` : ''}`),
      h('td', {}, a.decidedBy ?? '–', a.why ? h('div', { class: 'muted' }, a.why) : null),
      h('td', {}, a.error ?? a.result ?? '–'),
      h(
        'td',
        {},
        a.state === 'pending'
          ? [
              h('button', { type: 'button', class: 'primary', onclick: () => void act(a, 'approve') }, 'Approve'),
              ' ',
              h('button', { type: 'button', class: 'danger', onclick: () => void act(a, 'reject') }, 'Reject'),
            ]
          : null,
      ),
    );

  /** @param {Approval} a @param {'approve' | 'reject'} verb */
  async function act(a, verb) {
    if (await decide(a, verb)) await load();
  }

  async function load() {
    /** @type {any} */
    const res = await api(`/api/remediations${query({ state: filter })}`);
    if (signal.aborted) return;
    items = Array.isArray(res) ? res : res.items;
    fill(tbody, items.length ? items.map(row) : h('tr', {}, h('td', { colspan: 8, class: 'empty' }, 'No remediations.')));
  }

  /** The focused pending row, else the first pending one. */
  const target = () => {
    const focused = document.activeElement?.closest('tr[data-id]')?.getAttribute('data-id');
    return items.find((a) => a.id === focused && a.state === 'pending') ?? items.find((a) => a.state === 'pending');
  };
  setActions({
    approve: () => {
      const a = target();
      if (a) void act(a, 'approve');
    },
    reject: () => {
      const a = target();
      if (a) void act(a, 'reject');
    },
  });
  let t = 0;
  live.addEventListener(
    'remediation',
    () => {
      clearTimeout(t);
      t = window.setTimeout(() => void load(), 200);
    },
    { signal },
  );
  await load();
}
