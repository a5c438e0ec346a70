// A JetStream consumer of the event stream: ephemeral, or durable (a restarted subscriber — or
// another control-plane replica sharing the name — resumes where the last one acknowledged).
import { AckPolicy, DeliverPolicy, type Consumer, type NatsConnection } from 'nats';

export async function openEventConsumer(nc: NatsConnection, stream: string, filter: string, durable?: string): Promise<Consumer> {
  const js = nc.jetstream();
  // A single string is sent as filter_subject, which servers before 2.10 understand.
  if (!durable) return js.consumers.get(stream, { filterSubjects: filter });
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (!/consumer not found/i.test((err as Error).message)) throw err;
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: filter });
  }
  return js.consumers.get(stream, durable);
}
