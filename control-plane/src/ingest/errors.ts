// Every rejection the ingest endpoints give carries a stable code and an HTTP status, so
// senders (Fluentd, Alertmanager...) and tests can tell "retry later" from "fix your payload".
export class IngestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new IngestError(400, code, message, details);
