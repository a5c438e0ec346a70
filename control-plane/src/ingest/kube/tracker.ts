// Turns repeated detector output into transitions: a finding fires once when it appears (or when
// its occurrence changes, e.g. a second OOM kill) and resolves once when it disappears, so an
// informer resync or an unrelated status change re-emits nothing.
import type { Finding } from './detect.js';

export type Transition = { status: 'firing' | 'resolved'; finding: Finding };

export class FindingTracker {
  private readonly active = new Map<string, Map<string, Finding>>();

  /** `objectKey` names the object (its uid); `findings` is everything detected on it now. */
  update(objectKey: string, findings: readonly Finding[]): Transition[] {
    const before = this.active.get(objectKey) ?? new Map<string, Finding>();
    const now = new Map(findings.map((f) => [findingKey(f), f]));
    const out: Transition[] = [];
    for (const [k, f] of now) {
      const prev = before.get(k);
      if (!prev || prev.occurrence !== f.occurrence) out.push({ status: 'firing', finding: f });
    }
    for (const [k, f] of before) if (!now.has(k)) out.push({ status: 'resolved', finding: f });
    if (now.size > 0) this.active.set(objectKey, now);
    else this.active.delete(objectKey);
    return out;
  }

  /** The object is gone: whatever was firing on it resolves. */
  forget(objectKey: string): Transition[] {
    return this.update(objectKey, []);
  }

  activeCount(): number {
    let n = 0;
    for (const m of this.active.values()) n += m.size;
    return n;
  }
}

export function findingKey(f: Finding): string {
  return `${f.reason}/${f.container ?? ''}`;
}
