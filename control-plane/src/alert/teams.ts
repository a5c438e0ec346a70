// Microsoft Teams workflow webhook ("Post to a channel when a webhook request is received"):
// a message with one Adaptive Card attachment.
import type { Redactor } from '../triage/types.js';
import type { SinkConfig } from './config.js';
import { actionText, facts, headline, showsAnalysis, type AlertMessage } from './message.js';
import { jsonSink, type AlertSink } from './sink.js';

const COLOR = { P1: 'attention', P2: 'warning', P3: 'accent', P4: 'default' } as const;

export function teamsPayload(m: AlertMessage) {
  const i = m.incident;
  const body: unknown[] = [
    { type: 'TextBlock', text: headline(m), weight: 'bolder', size: 'medium', wrap: true, color: m.event === 'resolve' ? 'good' : COLOR[i.priority] },
    { type: 'FactSet', facts: facts(m).map(([title, value]) => ({ title, value })) },
  ];
  if (showsAnalysis(m) && m.analysis) {
    body.push(
      { type: 'TextBlock', text: `**Summary:** ${m.analysis.summary}`, wrap: true },
      { type: 'TextBlock', text: `**Root cause:** ${m.analysis.root_cause}`, wrap: true },
      { type: 'TextBlock', text: `**Recommendation:** ${m.analysis.recommendation}`, wrap: true },
    );
    const action = actionText(m);
    if (action) body.push({ type: 'TextBlock', text: `**Proposed action:** ${action}`, wrap: true });
    if (m.kubectl) body.push({ type: 'TextBlock', text: m.kubectl, fontType: 'monospace', wrap: true });
  }
  body.push({ type: 'TextBlock', text: `${m.event === 'trigger' ? 'Incident' : 'Update to incident'} ${i.id}`, isSubtle: true, size: 'small', wrap: true });
  const actions = m.dashboardUrl ? [{ type: 'Action.OpenUrl', title: 'Open incident', url: m.dashboardUrl }] : undefined;
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, ...(actions ? { actions } : {}) },
      },
    ],
  };
}

export function teamsSink(cfg: Extract<SinkConfig, { type: 'teams' }>, redactor?: Redactor): AlertSink {
  return jsonSink(cfg, cfg.webhook_url, (m) => ({ body: teamsPayload(m) }), redactor);
}
