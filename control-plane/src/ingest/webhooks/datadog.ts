// Datadog Webhooks integration: the default payload (id, last_updated, event_type, title,
// date, org, body) or a custom one using the $ALERT_* / $TAGS template variables. In the
// default payload the state lives in the title: "[P1] [Triggered] CPU usage is high…".
import { firstStr, isRecord, rec, str } from '../values.js';
import { alertSignal, normaliseSeverity, resourceFromFields, tagsToMap } from './common.js';
import type { WebhookAdapter } from './types.js';

interface TitleParts {
  priority?: string;
  transition?: string;
  name: string;
}

/** Splits the leading "[P1] [Triggered] [] " groups off a Datadog event title. */
export function splitDatadogTitle(title: string): TitleParts {
  const parts: TitleParts = { name: title };
  let rest = title;
  for (let m = /^\s*\[([^\]]*)\]\s*/.exec(rest); m; m = /^\s*\[([^\]]*)\]\s*/.exec(rest)) {
    const group = m[1]!.trim();
    if (/^P[1-5]$/i.test(group)) parts.priority ??= group.toUpperCase();
    else if (group.length > 0) parts.transition ??= group;
    rest = rest.slice(m[0].length);
  }
  parts.name = rest.trim() || title;
  return parts;
}

function monitorKey(text: string): string | undefined {
  const m = /\/monitors\/(\d+)(?:\?group=([^&)\s]+))?/.exec(text);
  if (!m) return undefined;
  return m[2] ? `monitor:${m[1]}:${decodeURIComponent(m[2])}` : `monitor:${m[1]}`;
}

const markdownLinks = (text: string) => [...text.matchAll(/\]\((https?:\/\/[^)\s]+)\)/g)].map((m) => m[1]!).slice(0, 10);

export const datadog: WebhookAdapter = {
  name: 'datadog',
  expects: 'an object with a string "title" and Datadog\'s "event_type" plus "last_updated"/"org", or "alert_transition"/"alert_id"',
  detect: (body) =>
    isRecord(body) &&
    typeof body.title === 'string' &&
    ((typeof body.event_type === 'string' && ('last_updated' in body || isRecord(body.org))) ||
      typeof body.alert_transition === 'string' ||
      body.alert_id !== undefined),
  parse(body, receivedAt = new Date()) {
    const b = rec(body);
    const title = str(b.title) ?? '';
    const parts = splitDatadogTitle(title);
    const transition = firstStr(b.alert_transition, parts.transition) ?? '';
    const text = (str(b.body) ?? '').replace(/^%%%\s*|\s*%%%$/g, '');
    const tags = tagsToMap(b.tags);
    const resolved = /^recovered/i.test(transition) || str(b.alert_type) === 'success';
    const priority = firstStr(b.alert_priority, parts.priority);
    const severity = priority
      ? normaliseSeverity(priority)
      : normaliseSeverity(b.alert_type, /^warn/i.test(transition) ? 'warning' : 'error');
    return [
      alertSignal({
        adapter: 'datadog',
        record: b,
        status: resolved ? 'resolved' : 'firing',
        severity,
        alertName: firstStr(b.alert_title, parts.name),
        title: firstStr(parts.name),
        message: text,
        fingerprint: firstStr(b.aggreg_key, b.alert_id) ?? monitorKey(text) ?? str(b.id),
        startsAt: b.date,
        endsAt: b.last_updated,
        receivedAt,
        resource: resourceFromFields(tags, { node: str(b.hostname) }),
        labels: tags,
        links: [str(b.link), ...markdownLinks(text)],
        attributes: {
          eventId: str(b.id),
          eventType: str(b.event_type),
          transition: transition || undefined,
          priority,
          org: str(rec(b.org).name),
        },
      }),
    ];
  },
};
