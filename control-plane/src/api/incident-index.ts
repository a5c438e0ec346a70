// An in-memory index in front of the incident store, so the API's filtered, sorted, paged
// queries over 100,000 incidents take milliseconds instead of a full store read and sort each
// time. Every write goes through it (it is the engine's store), so it never lags the store.
// The fields queries filter and sort on are kept as columns (typed arrays, one slot per
// incident): a scan reads them sequentially instead of chasing a pointer per incident.
import { Interner } from '../aicalls/interner.js';
import type { IncidentFilter, IncidentStore } from '../correlate/store.js';
import { INCIDENT_STATES, type Incident, type IncidentState } from '../correlate/types.js';
import { PRIORITIES, type Priority } from '../rules/priority.js';

export interface IncidentQuery {
  priority?: readonly Priority[];
  state?: readonly IncidentState[];
  namespace?: string;
  /** Incidents that involved this pod. */
  pod?: string;
  /** Epoch ms: incidents active at or after (lastSeen ≥ since). */
  since?: number;
  /** Epoch ms: incidents that began at or before (firstSeen ≤ until). */
  until?: number;
  /** Case-insensitive text in the id, title, namespace, workload, container, rule or pods. */
  q?: string;
  sort?: 'recent' | 'priority';
  limit: number;
  offset?: number;
}

// Sort keys, ascending = first: newest lastSeen first; by priority, then newest.
const LATEST = 4e12;
// The interner keeps 0 for "absent"; an incident without a namespace still filters by "".
const NO_NAMESPACE = '\u0000';
const nsKey = (ns: string): string => (ns === '' ? NO_NAMESPACE : ns); // ms epoch bound (year 2096), so LATEST - lastSeen stays positive
const recentKey = (lastSeen: number): number => LATEST - lastSeen;
const priorityKey = (rank: number, lastSeen: number): number => rank * LATEST + (LATEST - lastSeen);

export class IncidentIndex implements IncidentStore {
  private readonly slotOf = new Map<string, number>();
  private readonly strings = new Interner();
  private incidents: Incident[] = [];
  /** Lower-cased search text per slot, built at write time so the first search is not slow. */
  private text: string[] = [];
  private lastSeen = new Float64Array(1024);
  private firstSeen = new Float64Array(1024);
  private rank = new Uint8Array(1024);
  private state = new Uint8Array(1024);
  private namespace = new Uint32Array(1024);

  private constructor(private readonly inner: IncidentStore) {}

  /** Loads every stored incident once. */
  static async over(inner: IncidentStore): Promise<IncidentIndex> {
    const index = new IncidentIndex(inner);
    for (const incident of await inner.list()) index.index(incident);
    return index;
  }

  /**
   * With a shared store (JetStream) other replicas write incidents this process never puts:
   * follows the store's changes. Returns the stop, or undefined when the store is not shared.
   */
  follow(): (() => void) | undefined {
    return this.inner.watch?.((incident) => this.index(incident));
  }

  async get(id: string): Promise<Incident | undefined> {
    const slot = this.slotOf.get(id);
    return slot === undefined ? this.inner.get(id) : this.incidents[slot];
  }

  async put(incident: Incident): Promise<void> {
    await this.inner.put(incident);
    this.index(incident);
  }

  async list(filter: IncidentFilter = {}): Promise<Incident[]> {
    return this.query({
      ...(filter.state ? { state: [filter.state] } : {}),
      ...(filter.namespace !== undefined ? { namespace: filter.namespace } : {}),
      limit: filter.limit ?? Number.MAX_SAFE_INTEGER,
    }).items;
  }

  query(q: IncidentQuery): { items: Incident[]; total: number } {
    const n = this.incidents.length;
    let prioMask = 0;
    for (const p of q.priority ?? []) prioMask |= 1 << PRIORITIES.indexOf(p);
    let stateMask = 0;
    for (const s of q.state ?? []) stateMask |= 1 << INCIDENT_STATES.indexOf(s);
    let ns = 0;
    if (q.namespace !== undefined) {
      const id = this.strings.lookup(nsKey(q.namespace));
      if (id === undefined) return { items: [], total: 0 };
      ns = id;
    }
    const since = q.since ?? -Infinity;
    const until = q.until ?? Infinity;
    const text = q.q?.toLowerCase();
    const byPriority = q.sort === 'priority';
    const k = Math.min((q.offset ?? 0) + q.limit, n);
    const heap = new TopK(k);
    let total = 0;
    // Newest slots first: incidents are mostly created in time order, so the heap fills with the
    // newest early and later offers are rejected at the root without work.
    for (let i = n - 1; i >= 0; i--) {
      if (prioMask && !(prioMask & (1 << this.rank[i]!))) continue;
      if (stateMask && !(stateMask & (1 << this.state[i]!))) continue;
      if (ns && this.namespace[i] !== ns) continue;
      const last = this.lastSeen[i]!;
      if (last < since || this.firstSeen[i]! > until) continue;
      if (q.pod !== undefined && !this.incidents[i]!.pods.includes(q.pod)) continue;
      if (text && !this.text[i]!.includes(text)) continue;
      total += 1;
      heap.offer(i, byPriority ? priorityKey(this.rank[i]!, last) : recentKey(last));
    }
    return { items: heap.sorted().slice(q.offset ?? 0).map((slot) => this.incidents[slot]!), total };
  }

  /** Counts by priority, state and namespace, with the newest lastSeen. */
  counts(): { total: number; byPriority: Record<Priority, number>; byState: Record<IncidentState, number>; byNamespace: Record<string, number>; lastSeen?: string } {
    const n = this.incidents.length;
    const prio = [0, 0, 0, 0];
    const state = [0, 0, 0];
    const perNs = new Uint32Array(this.strings.capacity);
    let newest = -1;
    for (let i = 0; i < n; i++) {
      prio[this.rank[i]!]! += 1;
      state[this.state[i]!]! += 1;
      perNs[this.namespace[i]!]! += 1;
      if (newest < 0 || this.lastSeen[i]! > this.lastSeen[newest]!) newest = i;
    }
    const byNamespace: Record<string, number> = {};
    perNs.forEach((count, id) => {
      const name = this.strings.get(id);
      if (count > 0 && name !== undefined) byNamespace[name === NO_NAMESPACE ? '' : name] = count;
    });
    return {
      total: n,
      byPriority: Object.fromEntries(PRIORITIES.map((p, r) => [p, prio[r]!])) as Record<Priority, number>,
      byState: Object.fromEntries(INCIDENT_STATES.map((s, r) => [s, state[r]!])) as Record<IncidentState, number>,
      byNamespace,
      ...(newest >= 0 ? { lastSeen: this.incidents[newest]!.lastSeen } : {}),
    };
  }

  get size(): number {
    return this.incidents.length;
  }

  private index(incident: Incident): void {
    let slot = this.slotOf.get(incident.id);
    if (slot === undefined) {
      slot = this.incidents.length;
      if (slot === this.lastSeen.length) this.grow();
      this.slotOf.set(incident.id, slot);
      this.incidents.push(incident);
      this.text.push(searchText(incident));
    } else {
      this.strings.release(this.namespace[slot]!);
      this.incidents[slot] = incident;
      this.text[slot] = searchText(incident);
    }
    this.lastSeen[slot] = Date.parse(incident.lastSeen);
    this.firstSeen[slot] = Date.parse(incident.firstSeen);
    this.rank[slot] = PRIORITIES.indexOf(incident.priority);
    this.state[slot] = INCIDENT_STATES.indexOf(incident.state);
    this.namespace[slot] = this.strings.acquire(nsKey(incident.key.namespace));
  }

  private grow(): void {
    const size = this.lastSeen.length * 2;
    const grown = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.lastSeen = grown(this.lastSeen, (n) => new Float64Array(n));
    this.firstSeen = grown(this.firstSeen, (n) => new Float64Array(n));
    this.rank = grown(this.rank, (n) => new Uint8Array(n));
    this.state = grown(this.state, (n) => new Uint8Array(n));
    this.namespace = grown(this.namespace, (n) => new Uint32Array(n));
  }
}

function searchText(i: Incident): string {
  return [i.id, i.title, i.key.namespace, i.key.workload, i.key.container, i.key.failureClass, i.rule ?? '', ...i.pods].join('\n').toLowerCase();
}

/** The k offered slots with the smallest (key, slot): a max-heap over typed arrays. */
export class TopK {
  private readonly slots: Int32Array;
  private readonly keys: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.slots = new Int32Array(k);
    this.keys = new Float64Array(k);
  }

  /** Whether entry a comes after entry b (is "larger"). */
  private after(ka: number, sa: number, kb: number, sb: number): boolean {
    return ka > kb || (ka === kb && sa > sb);
  }

  offer(slot: number, key: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.after(key, slot, this.keys[parent]!, this.slots[parent]!)) break;
        this.slots[i] = this.slots[parent]!;
        this.keys[i] = this.keys[parent]!;
        i = parent;
      }
      this.slots[i] = slot;
      this.keys[i] = key;
      return;
    }
    if (!this.after(this.keys[0]!, this.slots[0]!, key, slot)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.after(this.keys[r]!, this.slots[r]!, this.keys[l]!, this.slots[l]!) ? r : l;
      if (!this.after(this.keys[c]!, this.slots[c]!, key, slot)) break;
      this.slots[i] = this.slots[c]!;
      this.keys[i] = this.keys[c]!;
      i = c;
    }
    this.slots[i] = slot;
    this.keys[i] = key;
  }

  /** Slots by ascending key, ties by slot (indexed earlier first). */
  sorted(): number[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.keys[a]! - this.keys[b]! || this.slots[a]! - this.slots[b]!);
    return order.map((i) => this.slots[i]!);
  }
}
