// Incident changes onto the live stream. State changes (opened, escalated, reopened, resolved,
// acknowledged) go out at once; the frequent ones (updated, related: another signal or a
// healthy AI call absorbed) are coalesced per incident and flushed every `flushMs`, so a storm
// costs one message per incident per interval, not one per signal.
import type { IncidentChange } from '../correlate/types.js';
import type { IncidentEngine } from '../incidents.js';
import { listItem } from './incidents.js';
import type { LiveHub } from './live.js';

const COALESCED = new Set(['updated', 'related']);

export function publishIncidentChanges(engine: IncidentEngine, live: LiveHub, flushMs = 250): () => void {
  const pending = new Map<string, IncidentChange>();
  const send = (c: IncidentChange) => live.publish('incident', { type: c.type, incident: listItem(c.incident) });
  const timer = setInterval(() => {
    for (const c of pending.values()) send(c);
    pending.clear();
  }, flushMs);
  timer.unref();
  const unsubscribe = engine.subscribe((change) => {
    if (COALESCED.has(change.type)) {
      pending.set(change.incident.id, change);
      return;
    }
    pending.delete(change.incident.id);
    send(change);
  });
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
