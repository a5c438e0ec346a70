// Opens the configured state store: JetStream when `nats` is set, local files otherwise.
import { connect, type NatsConnection } from 'nats';
import type { StoreConfig } from './config.js';
import { FileBackend } from './file-backend.js';
import { JetStreamBackend } from './jetstream-backend.js';
import { stateStoreOver, type StateStore } from './state-store.js';

/** Writes that must be on disk before they are acknowledged. */
export const IMPORTANT = ['approvals', 'claims', 'audit-log'] as const;

/** The opened store, with its NATS connection when it lives in JetStream (for leader election). */
export type StateStoreHandle = StateStore & { nc?: NatsConnection };

export async function openStateStore(config: StoreConfig, nc?: NatsConnection): Promise<StateStoreHandle> {
  if (!config.nats) {
    return stateStoreOver(new FileBackend({ dir: config.dataDir, syncNow: IMPORTANT, fsyncIntervalMs: config.fsyncIntervalMs }));
  }
  const ownConnection = nc === undefined;
  const conn = nc ?? (await connect({ servers: config.nats.url }));
  const store = stateStoreOver(await JetStreamBackend.open(conn, { bucket: config.nats.bucket, stream: config.nats.stream }));
  return {
    ...store,
    nc: conn,
    async close() {
      await store.close();
      if (ownConnection) await conn.drain();
    },
  };
}
