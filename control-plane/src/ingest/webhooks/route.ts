// POST /webhook (shape detection) and POST /webhook/<adapter> (no detection). A request is
// ingested whole or not at all: every check and every parse runs before the sink sees it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Signal } from '../../signal.js';
import { enabledAdapters, type ControlPlaneConfig } from '../../config.js';
import { checkBearer, checkHmac } from '../auth.js';
import { decodeBody, requireMediaType } from '../body.js';
import { IngestError } from '../errors.js';
import { decodeWebhookBody, WEBHOOK_MEDIA_TYPES } from './decode.js';
import { detectAdapter, isWebhookAdapterName, WEBHOOK_ADAPTERS, type WebhookAdapter, type WebhookAdapterName } from './index.js';

function authenticate(adapter: WebhookAdapter, req: FastifyRequest, raw: Buffer, config: ControlPlaneConfig): void {
  const auth = config.webhooks.auth[adapter.name];
  if (!auth) return;
  if (auth.token) checkBearer(req.headers.authorization, auth.token, `webhook ${adapter.name}`);
  if (auth.hmacSecret) {
    const header = adapter.name === 'pagerduty' ? 'x-pagerduty-signature' : auth.hmacHeader.toLowerCase();
    checkHmac(req.headers[header] as string | undefined, auth.hmacSecret, raw, header);
  }
}

function chosenAdapter(param: string, enabled: readonly WebhookAdapterName[]): WebhookAdapter {
  const name = param.toLowerCase();
  if (!isWebhookAdapterName(name) || !enabled.includes(name)) {
    const known = isWebhookAdapterName(name) ? 'is disabled' : 'is not a webhook adapter';
    throw new IngestError(404, 'ADAPTER_NOT_ENABLED', `adapter "${param}" ${known}; enabled adapters: ${enabled.join(', ')}`, {
      enabled,
    });
  }
  return WEBHOOK_ADAPTERS[name];
}

function unknownShape(enabled: readonly WebhookAdapterName[]): IngestError {
  const expected = Object.fromEntries(enabled.map((n) => [n, WEBHOOK_ADAPTERS[n].expects]));
  const list = enabled.map((n) => `${n} (${expected[n]})`).join('; ');
  return new IngestError(422, 'UNKNOWN_PAYLOAD', `no enabled adapter recognises this body; tried ${list}`, { expected });
}

function parseSignals(adapter: WebhookAdapter, body: unknown): Signal[] {
  try {
    return adapter.parse(body);
  } catch (err) {
    throw new IngestError(422, 'UNPARSABLE_PAYLOAD', `${adapter.name} payload could not be turned into signals: ${(err as Error).message}`);
  }
}

export async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const { config, sink, metrics } = app.ingest;
  const enabled = enabledAdapters(config);

  const handle = async (req: FastifyRequest<{ Params: { adapter?: string } }>) => {
    const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const explicit = req.params.adapter === undefined ? undefined : chosenAdapter(req.params.adapter, enabled);
    if (explicit) authenticate(explicit, req, raw, config);
    const type = requireMediaType(req.headers['content-type'], WEBHOOK_MEDIA_TYPES);
    const text = decodeBody(raw, req.headers['content-encoding'], config.webhooks.maxBodyBytes);
    const body = decodeWebhookBody(text, type, config.webhooks.maxDepth);
    let adapter = explicit;
    if (adapter) {
      if (!adapter.detect(body)) {
        throw new IngestError(422, 'WRONG_PAYLOAD', `body is not a ${adapter.name} payload: expected ${adapter.expects}`);
      }
    } else {
      adapter = detectAdapter(body, enabled);
      if (!adapter) throw unknownShape(enabled);
      authenticate(adapter, req, raw, config);
    }
    const signals = parseSignals(adapter, body);
    if (signals.length === 0) {
      throw new IngestError(422, 'NO_ALERTS', `${adapter.name} payload holds no alert to ingest: expected ${adapter.expects}`);
    }
    sink.accept(signals);
    metrics.signals.inc({ source: 'webhook', adapter: adapter.name }, signals.length);
    metrics.requests.inc({ endpoint: 'webhook', code: 'ACCEPTED' });
    return { adapter: adapter.name, accepted: signals.length, ids: signals.map((s) => s.id) };
  };

  const opts = { bodyLimit: config.webhooks.maxBodyBytes };
  app.post('/webhook', opts, async (req, reply) => reply.code(202).send(await handle(req as FastifyRequest<{ Params: { adapter?: string } }>)));
  app.post<{ Params: { adapter: string } }>('/webhook/:adapter', opts, async (req, reply) => reply.code(202).send(await handle(req)));
}
