// @ts-check
// Types only (never loaded by the browser): the dashboard reads the server's own shapes, so a
// change there fails the dashboard's typecheck instead of breaking a view at run time.
/**
 * @typedef {import('../../src/correlate/types.js').Incident} Incident
 * @typedef {import('../../src/correlate/types.js').TimelineEntry} TimelineEntry
 * @typedef {import('../../src/store/state-store.js').Approval} Approval
 * @typedef {import('../../src/audit/types.js').AuditEntry} AuditEntry
 * @typedef {import('../../src/triage/types.js').Analysis} Analysis
 * @typedef {import('../../src/triage/types.js').ProposedAction} ProposedAction
 * @typedef {import('../../src/aicalls/store.js').AiCallRow} AiCallRow
 * @typedef {import('../../src/aicalls/store.js').SeriesPoint} SeriesPoint
 * @typedef {import('../../src/aicalls/store.js').Series} AiSeries
 * The shape of control-plane/src/sensors/health.ts SensorHealth, restated: importing that module would
 * typecheck its Node-only body under the DOM lib.
 * @typedef {{node: string, lastSeen: string, version?: string, intervalS: number, uptimeS?: number, events: Record<string, number>, losses: Record<string, number>, lostTotal: number, backlog?: {events?: number, bytes?: number, connected?: boolean, publishFailures?: number}, targets?: number, healthy: boolean}} Sensor
 */
export {};
