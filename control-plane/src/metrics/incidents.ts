// Incidents by priority and state, counted from the engine's store when Prometheus scrapes
// (the store is the truth shared by replicas; nothing is tallied on the side to drift from it).
import { Gauge, type Registry } from 'prom-client';
import { INCIDENT_STATES, type Incident } from '../correlate/types.js';
import { PRIORITIES } from '../rules/priority.js';

export function registerIncidentGauge(registry: Registry, list: () => Promise<Pick<Incident, 'priority' | 'state'>[]>): Gauge<'priority' | 'state'> {
  return new Gauge({
    name: 'vigil_incidents',
    help: 'Incidents in the store by priority and state',
    labelNames: ['priority', 'state'],
    registers: [registry],
    async collect() {
      const incidents = await list();
      // Every pair is reported, zeros included, so a series does not vanish when it empties.
      for (const priority of PRIORITIES) for (const state of INCIDENT_STATES) this.set({ priority, state }, 0);
      for (const i of incidents) this.inc({ priority: i.priority, state: i.state });
    },
  });
}
