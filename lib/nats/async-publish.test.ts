// The async JetStream publisher against a real nats-server: acks, deduplication, refusals and
// timeouts come back to the right publish.
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../../test/helpers/nats-server.js';
import { AsyncJetStreamPublisher, PublishError } from './async-publish.js';

describe('AsyncJetStreamPublisher (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await server.connect();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'T', subjects: ['t.>'], duplicate_window: 60e9 });
    await jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_msg_size: 16 });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('resolves each publish with its own ack, in any order, and stores every message once', async () => {
    const pub = new AsyncJetStreamPublisher(nc, 5000);
    const acks = await Promise.all(Array.from({ length: 300 }, (_, i) => pub.publish(`t.${i % 3}`, Buffer.from(`m${i}`), `id-${i}`)));
    expect(acks.map((a) => a.stream)).toEqual(Array(300).fill('T'));
    expect(new Set(acks.map((a) => a.seq)).size).toBe(300);
    expect(acks.some((a) => a.duplicate)).toBe(false);
    expect(pub.inFlight).toBe(0);
    expect((await (await nc.jetstreamManager()).streams.info('T')).state.messages).toBe(300);
    pub.close();
  });

  it('says duplicate for a message id JetStream already has', async () => {
    const pub = new AsyncJetStreamPublisher(nc, 5000);
    const first = await pub.publish('t.dup', Buffer.from('a'), 'same-id');
    const again = await pub.publish('t.dup', Buffer.from('a'), 'same-id');
    expect([first.duplicate, again.duplicate, again.seq]).toEqual([false, true, first.seq]);
    pub.close();
  });

  it('rejects with the reason when no stream takes the subject, or the stream refuses the message', async () => {
    const pub = new AsyncJetStreamPublisher(nc, 5000);
    await expect(pub.publish('nowhere.x', Buffer.from('a'), 'n1')).rejects.toMatchObject({ code: 'no_responders' });
    const big = pub.publish('small.x', Buffer.alloc(100, 1), 'big1');
    await expect(big).rejects.toBeInstanceOf(PublishError);
    await expect(big).rejects.toMatchObject({ code: 'jetstream', message: expect.stringMatching(/refused the message: .*size/i) });
    pub.close();
  });

  it('times out a publish nobody acknowledges, and fails what is pending on close', async () => {
    const silent = nc.subscribe('quiet.>'); // takes the message, never answers
    const pub = new AsyncJetStreamPublisher(nc, 200);
    await expect(pub.publish('quiet.a', Buffer.from('a'), 'q1')).rejects.toMatchObject({ code: 'timeout', message: 'no ack from JetStream within 200 ms' });
    const pending = pub.publish('quiet.b', Buffer.from('b'), 'q2');
    pub.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    silent.unsubscribe();
  });
});
