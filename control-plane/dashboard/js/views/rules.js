// @ts-check
// The rules in force (first match wins, as in Kube Sentinel), where they came from, load
// errors, and a reload button (admin) that re-reads the rules file.
import { api } from '../api.js';
import { badge, fill, h, heading, time, toast } from '../dom.js';

/**
 * @typedef {{name: string, enabled?: boolean, match?: Record<string, unknown>, priority?: string, remediation?: {action: string, cooldown?: string}}} Rule
 * @typedef {{source: string, loadedAt: string, rules: Rule[], errors?: unknown[], defaultPriority?: string, default_priority?: string}} RuleSet
 */

/** @param {Record<string, unknown> | undefined} m */
function matchText(m) {
  if (!m) return '–';
  return Object.entries(m)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' | ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** @param {HTMLElement} root @param {{signal: AbortSignal}} ctx */
export async function render(root, { signal }) {
  const body = h('div');
  const reload = h('button', { type: 'button', id: 'rules-reload' }, 'Reload rules');
  reload.addEventListener('click', async () => {
    reload.disabled = true;
    try {
      await api('/api/rules/reload', { method: 'POST', body: {} });
      toast('Rules reloaded');
      await load();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err));
    } finally {
      reload.disabled = false;
    }
  });
  fill(root, heading('Rules', reload), body);

  async function load() {
    /** @type {RuleSet} */
    const set = await api('/api/rules');
    if (signal.aborted) return;
    fill(
      body,
      h('p', { class: 'muted' }, `From ${set.source}, loaded ${time(set.loadedAt)}.`, set.defaultPriority ?? set.default_priority ? ` Default priority ${set.defaultPriority ?? set.default_priority}.` : ''),
      set.errors?.length ? h('div', { class: 'card error', role: 'alert' }, h('h2', {}, 'Load errors'), h('ul', {}, set.errors.map((e) => h('li', {}, typeof e === 'string' ? e : JSON.stringify(e))))) : null,
      h(
        'table',
        { class: 'rules' },
        h('thead', {}, h('tr', {}, ['#', 'Name', 'Match', 'Priority', 'Remediation', 'Enabled'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          set.rules.map((r, i) =>
            h(
              'tr',
              { 'data-row': true, tabindex: 0, class: r.enabled === false ? 'disabled' : '' },
              h('td', {}, String(i + 1)),
              h('td', {}, r.name),
              h('td', {}, h('code', {}, matchText(r.match))),
              h('td', {}, r.priority ? badge('prio', r.priority) : '–'),
              h('td', {}, r.remediation ? `${r.remediation.action}${r.remediation.cooldown ? ` (cooldown ${r.remediation.cooldown})` : ''}` : '–'),
              h('td', {}, r.enabled === false ? 'no' : 'yes'),
            ),
          ),
        ),
      ),
    );
  }
  await load();
}
