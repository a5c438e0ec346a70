// @ts-check
// Runtime settings: the dry-run-only switch and the apply mode (admin, asked first, recorded
// in the audit log by the API), and the rest of the remediation and triage settings to read.
import { api } from '../api.js';
import { confirmAction } from '../dialogs.js';
import { fill, h, heading, toast } from '../dom.js';

/** @typedef {{applyMode: 'manual' | 'auto', dryRunOnly: boolean, autoApplyNamespaces: string[], excludedNamespaces: string[], triage?: {mode: string, model?: string}}} Settings */

/** @param {string[] | undefined} xs */
const list = (xs) => (xs?.length ? xs.join(', ') : 'none');

/** @param {HTMLElement} root @param {{signal: AbortSignal}} ctx */
export async function render(root, { signal }) {
  const body = h('div');
  fill(root, heading('Settings'), body);

  /** @param {Partial<Settings>} change @param {string} what */
  async function patch(change, what) {
    if ((await confirmAction(what)) === undefined) return load();
    try {
      await api('/api/settings', { method: 'PATCH', body: change });
      toast('Settings saved');
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err));
    }
    await load();
  }

  async function load() {
    /** @type {Settings} */
    const s = await api('/api/settings');
    if (signal.aborted) return;
    const dry = h('input', { type: 'checkbox', id: 'set-dry-run', role: 'switch', checked: s.dryRunOnly, 'aria-checked': String(s.dryRunOnly) });
    dry.addEventListener('change', () => void patch({ dryRunOnly: dry.checked }, dry.checked ? 'Turn dry-run-only on? Approved actions will only be dry-run.' : 'Turn dry-run-only off? Approved actions will change the cluster.'));
    const mode = h('select', { id: 'set-apply-mode' }, ['manual', 'auto'].map((m) => h('option', { value: m, selected: m === s.applyMode }, m)));
    mode.addEventListener('change', () => void patch({ applyMode: /** @type {'manual' | 'auto'} */ (mode.value) }, `Switch the apply mode to ${mode.value}?`));
    fill(
      body,
      h(
        'form',
        { class: 'card settings', 'aria-label': 'Remediation settings', onsubmit: (e) => e.preventDefault() },
        h('h2', {}, 'Remediation'),
        h('p', {}, h('label', { for: 'set-dry-run' }, dry, ' Dry run only (never change the cluster)')),
        h('p', {}, h('label', { for: 'set-apply-mode' }, 'Apply mode '), mode, h('span', { class: 'muted' }, ' manual: every action waits for approval; auto: applied at once inside the auto-apply namespaces')),
        h('dl', { class: 'meta' }, h('dt', {}, 'Auto-apply namespaces'), h('dd', {}, list(s.autoApplyNamespaces)), h('dt', {}, 'Never touched'), h('dd', {}, list(s.excludedNamespaces))),
      ),
      s.triage ? h('section', { class: 'card' }, h('h2', {}, 'Triage'), h('dl', { class: 'meta' }, h('dt', {}, 'Mode'), h('dd', {}, s.triage.mode), h('dt', {}, 'Model'), h('dd', {}, s.triage.model ?? '–'))) : null,
    );
  }
  await load();
}
