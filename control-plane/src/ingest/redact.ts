// The ingest edge's redactor: the project's one implementation (lib/redact.ts) with its
// default rules, so log lines and alert texts are scrubbed like every other output.
export { redactText as redact } from '../../../lib/redact.js';
