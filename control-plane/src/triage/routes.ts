// POST /analyze: LogJedi's on-demand analysis, answered synchronously. Mounted by the app.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AnalyzeRequest, inputFromRequest, toResponse } from './logjedi.js';
import type { TriageService } from './service.js';
import type { Redactor } from './types.js';

export interface AnalyzeRoutesOptions {
  triage: TriageService;
  redactor: Redactor;
}

export const analyzeRoutes: FastifyPluginAsync<AnalyzeRoutesOptions> = async (app, opts) => {
  app.post('/analyze', { bodyLimit: 4 * 1024 * 1024 }, async (req, reply) => {
    const parsed = AnalyzeRequest.safeParse(req.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid analyze request', code: 'VIGIL_ANALYZE_INVALID', detail: z.prettifyError(parsed.error) });
    }
    const analysis = await opts.triage.analyze(inputFromRequest(parsed.data, opts.redactor));
    return toResponse(analysis);
  });
};
