// @ts-check
// One incident: what and where, the analysis (summary, root cause, recommendation, proposed
// action, confidence, evidence), its remediations with approve / reject, the timeline and the
// audit entries. Live changes to the incident, its remediations or its audit re-read the parts.
import { api, query } from '../api.js';
import { ago, badge, fill, h, num, time, toast } from '../dom.js';
import { decide, describeAction, remediationCard } from '../decide.js';
import { setActions } from '../keys.js';
import { live } from '../stream.js';

/**
 * @typedef {import('../types.js').Incident} Incident
 * @typedef {import('../types.js').Approval} Approval
 * @typedef {import('../types.js').AuditEntry} AuditEntry
 * @typedef {import('../types.js').Analysis} Analysis
 */

/** @param {string} term @param {import('../dom.js').Child | import('../dom.js').Child[]} value */
const pair = (term, value) => [h('dt', {}, term), h('dd', {}, value)];

/** @param {Incident} i */
function facts(i) {
  return h(
    'dl',
    { class: 'meta grid' },
    pair('Namespace', i.key.namespace || '–'),
    pair('Workload', i.workload ? `${i.workload.kind}/${i.workload.name}` : i.key.workload || '–'),
    pair('Container', i.key.container || '–'),
    pair('Failure class', i.key.failureClass),
    pair('Pods', i.pods.length ? i.pods.join(', ') : '–'),
    pair('Rule', i.rule ?? 'default priority'),
    pair('First seen', time(i.firstSeen)),
    pair('Last seen', ago(i.lastSeen)),
    pair('Signals', `${num(i.signalCount)} firing, ${num(i.relatedCount)} related`),
    i.reopenCount ? pair('Reopened', `${i.reopenCount}×`) : null,
  );
}

/** @param {Analysis | undefined} a @param {Approval[]} remediations */
function analysis(a, remediations) {
  if (!a) return h('section', { class: 'card', 'aria-labelledby': 'analysis-h' }, h('h2', { id: 'analysis-h' }, 'Analysis'), h('p', { class: 'empty' }, 'Not analysed yet.'));
  const pct = Math.round(a.confidence * 100);
  const proposed = a.action && a.action.type !== 'none' ? `${a.action.type} ${a.action.target.kind} ${a.action.target.namespace}/${a.action.target.name}` : remediations[0] ? `${describeAction(remediations[0])} (from the rule)` : 'none';
  return h(
    'section',
    { class: 'card analysis', 'aria-labelledby': 'analysis-h' },
    h('h2', { id: 'analysis-h' }, 'Analysis ', h('span', { class: 'muted' }, `(${a.source})`)),
    h(
      'dl',
      { class: 'meta' },
      pair('Summary', h('span', { 'data-field': 'summary' }, a.summary)),
      pair('Root cause', h('span', { 'data-field': 'root-cause' }, a.root_cause)),
      pair('Recommendation', h('span', { 'data-field': 'recommendation' }, a.recommendation)),
      pair('Proposed action', h('span', { 'data-field': 'action' }, proposed)),
      pair('Confidence', [h('meter', { min: 0, max: 100, value: pct, 'aria-label': 'confidence' }), ` ${pct}%`]),
      pair('Decision', `${a.decision} — ${a.reason}`),
    ),
    a.evidence.length ? [h('h3', {}, 'Evidence'), h('ul', { class: 'evidence' }, a.evidence.map((e) => h('li', {}, h('code', {}, e))))] : null,
  );
}

/** @param {Incident} i */
function timeline(i) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-h' },
    h('h2', { id: 'timeline-h' }, 'Timeline ', h('span', { class: 'muted' }, i.timelineDropped ? `(newest ${i.timeline.length}; ${i.timelineDropped} older not kept)` : `(${i.timeline.length})`)),
    h(
      'ol',
      { class: 'timeline' },
      [...i.timeline].reverse().map((t) =>
        h(
          'li',
          { class: t.related ? 'related' : '', 'data-row': true, tabindex: 0 },
          h('time', { datetime: t.time }, time(t.time)),
          ' ',
          badge('sev', t.severity),
          ' ',
          h('span', { class: 'muted' }, `${t.source}/${t.adapter}`),
          ' ',
          h('strong', {}, t.title),
          t.reason ? h('span', { class: 'muted' }, ` · ${t.reason}`) : null,
          t.related ? h('span', { class: 'muted' }, ' (context)') : null,
          t.message ? h('p', {}, t.message) : null,
          t.evidence.length ? h('details', {}, h('summary', {}, `Evidence (${t.evidence.length})`), h('pre', {}, t.evidence.join('\n'))) : null,
        ),
      ),
    ),
  );
}

/** @param {AuditEntry[]} entries */
function auditTable(entries) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'audit-h' },
    h('h2', { id: 'audit-h' }, 'Audit'),
    entries.length
      ? h(
          'table',
          { class: 'audit' },
          h('thead', {}, h('tr', {}, ['Time', 'Actor', 'Outcome', 'Action', 'Dry run', 'Note'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            [...entries].reverse().map((e) =>
              h(
                'tr',
                { 'data-outcome': e.outcome },
                h('td', {}, time(e.time)),
                h('td', {}, `${e.actor.type}${e.actor.name ? ` ${e.actor.name}` : ''}`),
                h('td', {}, badge('outcome', e.outcome)),
                h('td', {}, e.action, e.target ? ` ${e.target.kind} ${e.target.namespace}/${e.target.name}` : ''),
                h('td', {}, e.dryRun ? `${e.dryRun.ok ? '✓' : '✗'} ${e.dryRun.message}` : '–'),
                h('td', {}, [e.note, e.error, e.verdict && !e.verdict.allowed ? e.verdict.reasons.join('; ') : ''].filter(Boolean).join(' · ') || '–'),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No decisions recorded yet.'),
  );
}

/** @param {HTMLElement} root @param {{params: string[], signal: AbortSignal}} ctx */
export async function render(root, { params, signal }) {
  const id = params[0] ?? '';
  const head = h('div', { class: 'page-head' });
  const facts_ = h('div');
  const analysis_ = h('div');
  const rems = h('section', { class: 'card', 'aria-labelledby': 'rem-h' });
  const timeline_ = h('div');
  const audit_ = h('div');
  fill(root, h('p', {}, h('a', { href: '#/incidents' }, '← Incidents')), head, facts_, h('div', { class: 'two' }, analysis_, rems), timeline_, audit_);

  /** @type {Incident & {remediations?: Approval[]}} */
  let incident;
  /** @type {Approval[]} */
  let remediations = [];
  /** @type {AuditEntry[]} */
  let audit = [];

  async function loadDecisions() {
    const [r, a] = await Promise.all([
      incident.remediations ?? api(`/api/remediations${query({ incident: id })}`).then((x) => /** @type {any} */ (x).items ?? x),
      api(`/api/audit${query({ incident: id, limit: 500 })}`).then((x) => /** @type {any} */ (x).items ?? x),
    ]);
    if (signal.aborted) return;
    remediations = /** @type {Approval[]} */ (r);
    audit = /** @type {AuditEntry[]} */ (a);
    incident.remediations = undefined;
  }

  function draw() {
    const i = incident;
    fill(
      head,
      h('h1', {}, badge('prio', i.priority), ' ', i.title),
      h(
        'div',
        { class: 'tools' },
        badge('state', i.state),
        ' ',
        badge('sev', i.severity),
        i.state === 'open' ? h('button', { type: 'button', onclick: () => void act('acknowledge') }, 'Acknowledge') : null,
        i.state !== 'resolved' ? h('button', { type: 'button', onclick: () => void act('resolve') }, 'Resolve') : null,
      ),
    );
    fill(facts_, facts(i));
    fill(analysis_, analysis(i.analysis, remediations));
    fill(
      rems,
      h('h2', { id: 'rem-h' }, 'Remediation'),
      remediations.length ? remediations.map((a) => remediationCard(a, () => void refresh(), audit)) : h('p', { class: 'empty' }, i.remediation?.action && i.remediation.action !== 'none' ? `The rule proposes ${i.remediation.action}; nothing submitted.` : 'No action proposed.'),
    );
    fill(timeline_, timeline(i));
    fill(audit_, auditTable(audit));
  }

  /** @param {'acknowledge' | 'resolve'} verb */
  async function act(verb) {
    try {
      await api(`/api/incidents/${encodeURIComponent(id)}/${verb}`, { method: 'POST', body: {} });
      toast(`Incident ${verb === 'acknowledge' ? 'acknowledged' : 'resolved'}`);
      await refresh();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err));
    }
  }

  let pollTimer = 0;
  async function refresh() {
    incident = await api(`/api/incidents/${encodeURIComponent(id)}`);
    await loadDecisions();
    if (signal.aborted) return;
    draw();
    // Approved actions run on the leader's next tick; until then, look again shortly (the
    // audit stream says so too when it is there, this covers a missed message).
    clearTimeout(pollTimer);
    if (remediations.some((r) => r.state === 'approved')) pollTimer = window.setTimeout(() => void refresh(), 1000);
  }

  let debounce = 0;
  const soon = () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => void refresh().catch((e) => toast(String(e))), 150);
  };
  for (const topic of ['incident', 'remediation', 'audit']) {
    live.addEventListener(
      topic,
      (e) => {
        const d = /** @type {CustomEvent<any>} */ (e).detail;
        const about = d?.incident?.id ?? d?.incidentId ?? d?.entry?.incidentId ?? d?.approval?.incidentId ?? d?.id;
        if (about === id) soon();
      },
      { signal },
    );
  }
  signal.addEventListener('abort', () => {
    clearTimeout(pollTimer);
    clearTimeout(debounce);
  });

  const pending = () => remediations.find((r) => r.state === 'pending');
  setActions({
    approve: () => {
      const p = pending();
      if (p) void decide(p, 'approve').then((r) => r && refresh());
    },
    reject: () => {
      const p = pending();
      if (p) void decide(p, 'reject').then((r) => r && refresh());
    },
  });
  await refresh();
}
