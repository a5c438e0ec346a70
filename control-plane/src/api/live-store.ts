// The state store with its writes published live: every audit entry appended and every
// remediation created or changed goes to the LiveHub, wherever in the control plane it happens.
import type { StateStore } from '../store/state-store.js';
import type { LiveHub } from './live.js';

export function publishingStore<S extends StateStore>(store: S, live: LiveHub): S {
  const { audit, approvals } = store;
  return {
    ...store,
    audit: {
      ...audit,
      async append(entry) {
        await audit.append(entry);
        live.publish('audit', entry);
      },
    },
    approvals: {
      ...approvals,
      async create(approval) {
        const created = await approvals.create(approval);
        if (created) live.publish('remediation', approval);
        return created;
      },
      async update(id, change) {
        const updated = await approvals.update(id, change);
        if (updated) live.publish('remediation', updated);
        return updated;
      },
    },
  };
}
