// Where incidents live. Async so a durable store (NATS KV, files) can implement the same
// interface; the correlator keeps its own working set and only writes through.
import type { Incident, IncidentState } from './types.js';

export interface IncidentFilter {
  state?: IncidentState;
  namespace?: string;
  limit?: number;
}

export interface IncidentStore {
  get(id: string): Promise<Incident | undefined>;
  put(incident: Incident): Promise<void>;
  list(filter?: IncidentFilter): Promise<Incident[]>;
  /** Incidents other processes put into a shared store, as they are written (see Backend.watch). */
  watch?(onChange: (incident: Incident) => void): () => void;
}

/** Bounded: past `capacity`, the oldest resolved incidents go first (counted in `evicted`). */
export class MemoryIncidentStore implements IncidentStore {
  private readonly byId = new Map<string, Incident>();
  evicted = 0;

  constructor(private readonly capacity = 10_000) {}

  async get(id: string): Promise<Incident | undefined> {
    return this.byId.get(id);
  }

  async put(incident: Incident): Promise<void> {
    // A snapshot, shallow where it can be: signals in the timeline and analyses are never mutated,
    // only replaced, so copying the containers is enough (a deep clone cost ~1.4 ms per write).
    const snapshot = { ...incident, key: { ...incident.key }, timeline: [...incident.timeline], pods: [...incident.pods], sourceFingerprints: [...incident.sourceFingerprints], openSources: [...incident.openSources] };
    this.byId.set(incident.id, snapshot);
    if (this.byId.size > this.capacity) this.evictOne();
  }

  async list(filter: IncidentFilter = {}): Promise<Incident[]> {
    const out = [...this.byId.values()]
      .filter((i) => !filter.state || i.state === filter.state)
      .filter((i) => filter.namespace === undefined || i.key.namespace === filter.namespace)
      .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  private evictOne(): void {
    let victim: Incident | undefined;
    for (const i of this.byId.values()) {
      const rank = i.state === 'resolved' ? 0 : 1;
      const vRank = victim?.state === 'resolved' ? 0 : 1;
      if (!victim || rank < vRank || (rank === vRank && Date.parse(i.lastSeen) < Date.parse(victim.lastSeen))) victim = i;
    }
    if (victim) {
      this.byId.delete(victim.id);
      this.evicted += 1;
    }
  }
}
