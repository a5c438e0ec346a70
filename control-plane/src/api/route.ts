// One way to declare an API route: its zod schemas validate the request (a clear 400 naming
// the field otherwise) and the same schemas document it in /openapi.json. Routes owned by
// other modules are described with `document` so the OpenAPI lists them too.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/** Who may call: open (no token), read (any token) or admin. */
export type Access = 'open' | 'read' | 'admin';

export interface RouteDoc {
  method: Method;
  /** Fastify form: /api/incidents/:id */
  url: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  /** Success status (200 unless said). */
  status?: number;
  /** Response media type when not JSON (e.g. text/event-stream). */
  produces?: string;
}

/** A 4xx the error handler answers as {statusCode, code, error, message}. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'VIGIL_NOT_FOUND', `no ${what}`);

/** Every documented route; the OpenAPI generator reads it. */
export class ApiDocs {
  readonly routes: RouteDoc[] = [];

  document(doc: RouteDoc): void {
    this.routes.push(doc);
  }
}

export interface RouteContext<Q, P, B> {
  query: Q;
  params: P;
  body: B;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType> extends RouteDoc {
  query?: Q;
  params?: P;
  body?: B;
  handler(ctx: RouteContext<z.output<Q>, z.output<P>, z.output<B>>): Promise<unknown>;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return value as z.output<T>;
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError(400, 'VIGIL_API_INVALID', `invalid ${where}: ${issuesText(r.error)}`);
  return r.data;
}

/** `limit: Too big: expected number to be <=1000; sort: Invalid option…` — one line, each field named. */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Registers and documents one route. */
export function route<Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  app: FastifyInstance,
  docs: ApiDocs,
  spec: RouteSpec<Q, P, B>,
): void {
  const { handler, ...doc } = spec;
  docs.document(doc);
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (req, reply) => {
      const query = parse(spec.query, req.query ?? {}, 'query');
      const params = parse(spec.params, req.params ?? {}, 'path');
      const body = parse(spec.body, req.body ?? {}, 'body');
      const result = await handler({ query, params, body, req, reply });
      if (spec.status && !reply.sent) reply.code(spec.status);
      return result;
    },
  });
}

/** Comma-separated values of an enum (`P1,P2`), as an array. */
export const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

/** An ISO 8601 time as epoch milliseconds. */
export const isoMs = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
