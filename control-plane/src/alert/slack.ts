// Slack incoming webhook with Block Kit. Incoming webhooks cannot edit a message, so updates are
// new messages that name the incident they update.
import type { Redactor } from '../triage/types.js';
import type { SinkConfig } from './config.js';
import { actionText, facts, headline, showsAnalysis, type AlertMessage } from './message.js';
import { jsonSink, type AlertSink } from './sink.js';

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function slackPayload(m: AlertMessage) {
  const i = m.incident;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline(m), 150), emoji: true } },
    { type: 'section', fields: facts(m).map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${clip(v, 200)}` })) },
  ];
  if (showsAnalysis(m) && m.analysis) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Summary*\n${m.analysis.summary}\n*Root cause*\n${m.analysis.root_cause}\n*Recommendation*\n${m.analysis.recommendation}`, 3000) } });
    const action = actionText(m);
    if (action) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Proposed action:* ${action}${m.kubectl ? `\n\`\`\`${m.kubectl}\`\`\`` : ''}`, 3000) } });
  }
  const ref = m.event === 'trigger' ? `Incident ${i.id}` : `Update to incident ${i.id}`;
  const link = m.dashboardUrl ? ` · <${m.dashboardUrl}|open>` : '';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${ref} · fingerprint ${i.fingerprint}${link}` }] });
  return { text: headline(m), blocks };
}

export function slackSink(cfg: Extract<SinkConfig, { type: 'slack' }>, redactor?: Redactor): AlertSink {
  return jsonSink(cfg, cfg.webhook_url, (m) => ({ body: slackPayload(m) }), redactor);
}
