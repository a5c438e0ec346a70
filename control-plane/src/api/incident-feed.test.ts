// Incident changes reach the live hub: state changes at once, updates coalesced per incident.
import { describe, expect, it } from 'vitest';
import { crash } from '../../../test/helpers/api.js';
import { createIncidentEngine, defaultRulesPath } from '../incidents.js';
import { RulesWatcher } from '../rules/watcher.js';
import { TriageConfig } from '../triage/config.js';
import { testRedactor } from '../triage/fixtures/redactor.js';
import { TriageService } from '../triage/service.js';
import { publishIncidentChanges } from './incident-feed.js';
import { LiveHub, type LiveMessage } from './live.js';

type Data = { type: string; incident: { id: string; state: string; signalCount: number; timeline: unknown[] } };

describe('publishIncidentChanges', () => {
  it('publishes state changes at once and a burst of updates as one message per incident', async () => {
    const rules = await RulesWatcher.open(defaultRulesPath());
    const engine = createIncidentEngine({ rules, triage: new TriageService({ config: TriageConfig.parse({}), redactor: testRedactor }) });
    const live = new LiveHub();
    const seen: Data[] = [];
    live.subscribe((m: LiveMessage) => seen.push(m.data as Data));
    const stop = publishIncidentChanges(engine, live, 50);
    try {
      await engine.accept([crash(1)]);
      await engine.idle();
      expect(seen.map((d) => d.type)).toEqual(['opened']);
      await engine.accept(Array.from({ length: 30 }, (_, n) => crash(n + 2)));
      expect(seen.map((d) => d.type)).toEqual(['opened']);
      await new Promise((r) => setTimeout(r, 120));
      expect(seen.map((d) => d.type)).toEqual(['opened', 'updated']);
      expect(seen[1]!.incident.signalCount).toBe(31);
      expect(seen[1]!.incident.timeline).toHaveLength(5);
      // A state change goes out at once and replaces a pending update of the same incident.
      await engine.accept([crash(40)]);
      await engine.resolve(seen[0]!.incident.id);
      await engine.idle();
      await new Promise((r) => setTimeout(r, 120));
      expect(seen.map((d) => d.type)).toEqual(['opened', 'updated', 'resolved']);
    } finally {
      stop();
    }
  });
});
