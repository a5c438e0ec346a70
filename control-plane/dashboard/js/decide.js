// @ts-check
// Approving or rejecting a remediation, shared by the incident page and the remediation list:
// asks first (with a reason for the audit log), then posts the decision as the token's user.
import { api } from './api.js';
import { confirmAction } from './dialogs.js';
import { badge, h, toast } from './dom.js';

/** @typedef {import('./types.js').Approval} Approval */

/** "rollout-restart Deployment shop/web". @param {Approval} a */
export function describeAction(a) {
  const t = a.action.target;
  return `${a.action.type} ${t.kind} ${t.namespace}/${t.name}`;
}

/**
 * @param {Approval} a
 * @param {'approve' | 'reject'} verb
 * @returns {Promise<unknown | undefined>} the API's answer, undefined when cancelled or refused
 */
export async function decide(a, verb) {
  const why = await confirmAction(`${verb === 'approve' ? 'Approve' : 'Reject'} ${describeAction(a)}?${a.kubectl ? `\n${a.kubectl}` : ''}`);
  if (why === undefined) return undefined;
  try {
    const res = await api(`/api/remediations/${encodeURIComponent(a.id)}/${verb}`, { method: 'POST', body: why ? { why } : {} });
    toast(`${verb === 'approve' ? 'Approved' : 'Rejected'}: ${describeAction(a)}`);
    return res;
  } catch (err) {
    toast(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/**
 * A remediation's state, dry-run answer, result and (while pending) its buttons.
 * @param {Approval} a
 * @param {() => void} changed
 * @param {import('./types.js').AuditEntry[]} [audit] the incident's audit entries (for the dry run's answer)
 */
export function remediationCard(a, changed, audit = []) {
  const dry = audit.filter((e) => e.remediationId === a.id && e.dryRun).at(-1)?.dryRun;
  const buttons =
    a.state === 'pending'
      ? h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'primary', 'data-action': 'approve', 'aria-keyshortcuts': 'a', onclick: () => void decide(a, 'approve').then((r) => r && changed()) }, 'Approve'),
          h('button', { type: 'button', class: 'danger', 'data-action': 'reject', 'aria-keyshortcuts': 'r', onclick: () => void decide(a, 'reject').then((r) => r && changed()) }, 'Reject'),
        )
      : null;
  return h(
    'article',
    { class: 'remediation', 'data-id': a.id, 'data-state': a.state, 'aria-label': `Remediation ${describeAction(a)}` },
    h('header', {}, badge('rstate', a.state), ' ', h('strong', {}, describeAction(a))),
    h('p', {}, a.summary, a.pods ? ` (${a.pods} pod${a.pods === 1 ? '' : 's'})` : ''),
    a.kubectl ? h('pre', { class: 'kubectl' }, h('code', {}, a.kubectl)) : null,
    h(
      'dl',
      { class: 'meta' },
      h('dt', {}, 'Proposed by'),
      h('dd', {}, `${a.proposedBy.type}${a.proposedBy.name ? ` ${a.proposedBy.name}` : ''}`),
      a.decidedBy ? [h('dt', {}, 'Decided by'), h('dd', {}, a.decidedBy, a.why ? ` — “${a.why}”` : '')] : null,
      dry ? [h('dt', {}, 'Dry run'), h('dd', { class: dry.ok ? 'dry-ok' : 'error', 'data-dry-run': dry.ok ? 'ok' : 'failed' }, `${dry.ok ? '✓' : '✗'} ${dry.message}`)] : null,
      a.result ? [h('dt', {}, 'Result'), h('dd', { class: 'result' }, a.result)] : null,
      a.error ? [h('dt', {}, 'Error'), h('dd', { class: 'error' }, a.error)] : null,
    ),
    buttons,
  );
}
