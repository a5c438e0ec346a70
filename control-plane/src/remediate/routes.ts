// The remediation API: list and inspect proposals, propose one by hand, and approve or reject
// (who and why recorded). Each proposal carries its equivalent kubectl command.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { APPROVAL_STATES } from '../store/state-store.js';
import { RemediationError, type Remediator } from './remediator.js';

export interface RemediationRoutesOptions {
  remediator: Remediator;
}

export const Decision = z.object({
  /** Who decides. With API tokens the token's name, always (a caller cannot record another name);
   *  on an open API the `x-vigil-user` header (set by an authenticating proxy), then this. */
  by: z.string().min(1).max(200).optional(),
  why: z.string().max(2000).optional(),
});

export const Propose = z.object({
  incidentId: z.string().min(1).max(300),
  action: z.unknown(),
  by: z.string().min(1).max(200).optional(),
});

export const RemediationListQuery = z.object({ state: z.enum(APPROVAL_STATES).optional(), incident: z.string().optional() });

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ statusCode: status, code, error: status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Bad Request', message });
}

export const remediationRoutes: FastifyPluginAsync<RemediationRoutesOptions> = async (app, { remediator }) => {
  app.get('/api/remediations', async (req, reply) => {
    const q = RemediationListQuery.safeParse(req.query);
    if (!q.success) return fail(reply, 400, 'VIGIL_REMEDIATION_INVALID', z.prettifyError(q.error));
    return remediator.list({ ...(q.data.state ? { state: q.data.state } : {}), ...(q.data.incident ? { incidentId: q.data.incident } : {}) });
  });

  app.get('/api/remediations/:id', async (req, reply) => {
    const found = await remediator.get((req.params as { id: string }).id);
    return found ?? fail(reply, 404, 'VIGIL_REMEDIATION_NOT_FOUND', 'no such remediation');
  });

  app.post('/api/remediations', async (req, reply) => {
    const body = Propose.safeParse(req.body);
    if (!body.success) return fail(reply, 400, 'VIGIL_REMEDIATION_INVALID', z.prettifyError(body.error));
    const by = req.actor?.name ?? (req.headers['x-vigil-user'] as string | undefined) ?? body.data.by;
    const result = await remediator.propose({ incidentId: body.data.incidentId, action: body.data.action, actor: { type: 'user', ...(by ? { name: by } : {}) } });
    return reply.code(result.outcome === 'refused' ? 422 : 202).send(result);
  });

  for (const verb of ['approve', 'reject'] as const) {
    app.post(`/api/remediations/:id/${verb}`, async (req, reply) => {
      const body = Decision.safeParse(req.body ?? {});
      if (!body.success) return fail(reply, 400, 'VIGIL_REMEDIATION_INVALID', z.prettifyError(body.error));
      const by = req.actor?.name ?? (req.headers['x-vigil-user'] as string | undefined) ?? body.data.by;
      if (!by) return fail(reply, 400, 'VIGIL_REMEDIATION_WHO', `say who decides: a "by" field or the x-vigil-user header`);
      try {
        return await remediator[verb]((req.params as { id: string }).id, by, body.data.why);
      } catch (err) {
        if (!(err instanceof RemediationError)) throw err;
        return err.code === 'NOT_FOUND' ? fail(reply, 404, 'VIGIL_REMEDIATION_NOT_FOUND', err.message) : fail(reply, 409, 'VIGIL_REMEDIATION_NOT_PENDING', err.message);
      }
    });
  }
};
