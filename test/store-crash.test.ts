// Crash safety of the durable state: a child process writes incidents, analyses, approvals and
// audit entries as fast as it can and prints each index once the store acknowledged it; the
// test kills it with SIGKILL, restarts it (redoing the last acknowledged index, as a retry
// would), kills it again, and checks that nothing acknowledged is lost and nothing is doubled
// — for the file store and for the JetStream store on a real nats-server.
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreSection } from '../control-plane/src/store/config.js';
import { FileBackend } from '../control-plane/src/store/file-backend.js';
import { openStateStore } from '../control-plane/src/store/open.js';
import { stateStoreOver, type StateStore } from '../control-plane/src/store/state-store.js';
import { findNatsServer, NatsServer, repoUrl, spawnTs } from './helpers/nats-server.js';

const WRITER = `
import { StoreSection } from '${repoUrl('control-plane/src/store/config.ts')}';
import { openStateStore } from '${repoUrl('control-plane/src/store/open.ts')}';
const store = await openStateStore(StoreSection.parse(JSON.parse(process.env.STORE_CONFIG)));
const analysis = { failure_class: 'crash', summary: 's', root_cause: 'r', recommendation: 'x', evidence: [], action: null, confidence: 0.5, decision: 'alert', reason: 'r', source: 'offline' };
for (let i = Number(process.env.START); ; i++) {
  const id = 'inc-' + i;
  const t = new Date(Date.UTC(2026, 10, 28, 0, 0, 0, i)).toISOString();
  await store.incidents.put({ id, fingerprint: 'fp', key: { namespace: 'shop' }, state: 'open', lastSeen: t, signalCount: i });
  await store.analyses.put(id, analysis, t);
  await store.approvals.create({ id: 'ap-' + i, incidentId: id, state: 'pending', proposedAt: t, action: { type: 'none' } });
  await store.audit.append({ id: 'au-' + i, time: t, incidentId: id, actor: { type: 'rule' }, action: 'none', outcome: 'proposed' });
  process.stdout.write('ack ' + i + '\\n');
}
`;

/** Runs the writer until it has acknowledged `atLeast` more indexes, then SIGKILLs it; returns the last acknowledged index. */
async function writeThenKill(storeConfig: unknown, start: number, atLeast: number): Promise<number> {
  const child = spawnTs(WRITER, { STORE_CONFIG: JSON.stringify(storeConfig), START: String(start), VIGIL_LOG_LEVEL: 'warn' });
  let last = -1;
  let buffered = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited early (${code}): ${stderr}`))));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) last = Number(l.slice(4));
      if (last >= start + atLeast && !child.killed) child.kill('SIGKILL');
    });
  });
  return last;
}

async function expectComplete(store: StateStore, lastAcked: number): Promise<void> {
  const incidents = await store.incidents.list();
  const analyses = await store.analyses.list(1_000_000);
  const approvals = await store.approvals.list();
  const audit = await store.audit.list();
  for (const [name, ids] of [
    ['incidents', incidents.map((x) => x.id)],
    ['analyses', analyses.map((x) => x.incidentId)],
    ['approvals', approvals.map((x) => x.id)],
    ['audit', audit.map((x) => x.id)],
  ] as const) {
    const prefix = { incidents: 'inc-', analyses: 'inc-', approvals: 'ap-', audit: 'au-' }[name];
    const indexes = ids.map((id) => Number(id.slice(prefix.length)));
    expect(new Set(indexes).size, `${name} has no doubles`).toBe(indexes.length);
    const missing = Array.from({ length: lastAcked + 1 }, (_, i) => i).filter((i) => !indexes.includes(i));
    expect(missing, `${name} lost nothing acknowledged`).toEqual([]);
    // At most the one write in flight at the kill may be there beyond the last acknowledgement.
    expect(Math.max(...indexes), `${name} holds nothing invented`).toBeLessThanOrEqual(lastAcked + 1);
  }
}

describe('file store survives kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-crash-'));
  const config = { dataDir: dir };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses and doubles nothing over two crashes, and repairs a torn last line', async () => {
    const first = await writeThenKill(config, 0, 200);
    const second = await writeThenKill(config, first, 200);
    expect(second).toBeGreaterThan(first + 199);
    // A torn last line, as a crash in the middle of a write leaves it.
    appendFileSync(join(dir, 'audit-log.jsonl'), '{"id":"au-torn","v":{"id":"au-tor');
    const backend = new FileBackend({ dir });
    const store = stateStoreOver(backend);
    try {
      expect(backend.recovery.tornBytes).toBeGreaterThan(0);
      await expectComplete(store, second);
      await store.audit.append({ id: 'au-after', time: new Date().toISOString(), incidentId: 'x', actor: { type: 'user' }, action: 'none', outcome: 'reported' });
    } finally {
      await store.close();
    }
    const reopened = new FileBackend({ dir });
    expect(reopened.recovery.tornBytes + reopened.recovery.badLines).toBe(0);
    expect(((await reopened.readLog('audit-log')) as { id: string }[]).at(-1)!.id).toBe('au-after');
    await reopened.close();
    expect(readdirSync(dir).sort()).toEqual(['analyses.jsonl', 'approvals.jsonl', 'audit-log.jsonl', 'incidents.jsonl']);
  }, 60_000);
});

const natsBin = findNatsServer();

describe.skipIf(!natsBin)('JetStream store survives kill -9 (real nats-server)', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => server?.stop());

  it('loses and doubles nothing over two crashes', async () => {
    const config = { nats: { url: server.url } };
    const first = await writeThenKill(config, 0, 100);
    const second = await writeThenKill(config, first, 100);
    const store = await openStateStore(StoreSection.parse(config));
    try {
      await expectComplete(store, second);
    } finally {
      await store.close();
    }
  }, 90_000);
});
