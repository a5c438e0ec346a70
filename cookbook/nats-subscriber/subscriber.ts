// A minimal Vigil event subscriber: a durable JetStream consumer on vigil.events.>, each
// protobuf payload decoded with schema/events.proto and printed as one JSON line.
// Only `nats` and `protobufjs` are needed; nothing from Vigil's code.
//
//   NATS_URL=nats://127.0.0.1:4222 node --experimental-strip-types subscriber.ts 'vigil.events.*.oom_kill'
import { fileURLToPath } from 'node:url';
import { AckPolicy, connect } from 'nats';
import protobuf from 'protobufjs';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const stream = process.env.VIGIL_STREAM ?? 'VIGIL_EVENTS';
const durable = process.env.VIGIL_CONSUMER ?? 'cookbook-subscriber';
const filter = process.argv[2] ?? 'vigil.events.>';

const proto = fileURLToPath(new URL('../../schema/events.proto', import.meta.url));
const Event = new protobuf.Root().loadSync(proto, { keepCase: true }).lookupType('vigil.v1.Event');

const nc = await connect({ servers });
const jsm = await nc.jetstreamManager();
// A durable consumer remembers what was acknowledged: a restarted subscriber resumes there.
await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: filter });
const consumer = await nc.jetstream().consumers.get(stream, durable);
process.once('SIGINT', () => void nc.drain());
process.once('SIGTERM', () => void nc.drain());

for await (const m of await consumer.consume()) {
  const event = Event.toObject(Event.decode(m.data), { longs: Number });
  process.stdout.write(`${JSON.stringify({ subject: m.subject, ...event })}\n`);
  m.ack();
}
