// POST /logs (Seraph-compatible): Fluentd out_http and Fluent Bit http output bodies.
// Partial-batch semantics (docs/ingest.md): good records are ingested, malformed ones are
// counted and the first errors are returned with their line numbers; only a body with no
// good record at all is rejected.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Signal } from '../../signal.js';
import { checkBearer } from '../auth.js';
import { decodeBody, nestsDeeperThan, requireMediaType } from '../body.js';
import { IngestError, badRequest } from '../errors.js';
import { classifyLogLine } from './classify.js';
import { frameRecords, type FrameError } from './frame.js';
import { readLogLine, readLogRecord } from './record.js';
import { logSignal } from './to-signal.js';

export const LOG_MEDIA_TYPES = [
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/json-lines',
  'application/x-json-stream',
  'text/plain',
] as const;

export interface LogsResult {
  accepted: number;
  rejected: number;
  signals: number;
  errors: FrameError[];
}

/** Frames, reads and classifies a decoded body; pure apart from the clock fallback. */
/** Records nested deeper than this are refused: no shipper produces them, and consumers recurse. */
export const MAX_RECORD_DEPTH = 32;

export function ingestLogText(text: string, receivedAt: Date, maxRecords: number): { result: LogsResult; signals: Signal[] } {
  const framed = frameRecords(text);
  const total = framed.records.length + framed.errors.length;
  if (total > maxRecords) {
    throw new IngestError(413, 'TOO_MANY_RECORDS', `batch holds ${total} records; the limit is ${maxRecords} per request`);
  }
  const signals: Signal[] = [];
  const errors = framed.errors;
  let accepted = 0;
  for (const { line, raw, value } of framed.records) {
    if (nestsDeeperThan(value, MAX_RECORD_DEPTH)) {
      errors.push({ line, message: `record nests deeper than ${MAX_RECORD_DEPTH} levels` });
      continue;
    }
    try {
      const line = readLogLine(value);
      const cls = classifyLogLine(line.message, line.level);
      if (cls) signals.push(logSignal(readLogRecord(value, line), cls, raw, receivedAt));
      accepted++;
    } catch (err) {
      errors.push({ line, message: `record could not be read: ${(err as Error).message}` });
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { result: { accepted, rejected: errors.length, signals: signals.length, errors }, signals };
}

export async function logRoutes(app: FastifyInstance): Promise<void> {
  const { config, sink, metrics } = app.ingest;
  const limits = config.logs;

  app.post('/logs', { bodyLimit: limits.maxBodyBytes }, async (req: FastifyRequest, reply) => {
    if (limits.token) checkBearer(req.headers.authorization, limits.token, 'POST /logs');
    requireMediaType(req.headers['content-type'], LOG_MEDIA_TYPES);
    const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const text = decodeBody(raw, req.headers['content-encoding'], limits.maxInflatedBytes);
    const { result, signals } = ingestLogText(text, new Date(), limits.maxRecords);
    const errors = result.errors.slice(0, limits.maxErrorsReported);
    if (result.rejected > 0) metrics.logLines.inc({ result: 'rejected' }, result.rejected);
    if (result.accepted === 0) {
      const first = errors[0];
      if (!first) throw badRequest('EMPTY_BODY', 'body holds no log records');
      throw badRequest('NO_VALID_RECORDS', `no record could be read; line ${first.line}: ${first.message}`, {
        accepted: 0,
        rejected: result.rejected,
        errors,
      });
    }
    sink.accept(signals);
    metrics.logLines.inc({ result: 'accepted' }, result.accepted);
    metrics.signals.inc({ source: 'logs', adapter: 'logs' }, signals.length);
    metrics.requests.inc({ endpoint: 'logs', code: result.rejected > 0 ? 'PARTIAL' : 'ACCEPTED' });
    return reply.code(202).send({ ...result, errors });
  });
}
