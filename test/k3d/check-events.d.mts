// Types for check-events.mjs (plain JavaScript so the harness runs it with node alone).
export interface Expectation {
  name: string;
  kind?: string;
  min: number;
  match?: Record<string, unknown>;
}
export interface Expectations {
  expect: Expectation[];
  forbid: Array<{ name?: string; contains: string }>;
  timeout_s: number;
}
export interface Snapshot {
  status: 'ok' | 'pending' | 'wrong' | 'timeout';
  problems: string[];
  counts: Record<string, number>;
  kinds: Record<string, number>;
  lines: number;
}
export type Validate = (event: unknown) => string | undefined;
export function getPath(obj: unknown, path: string): unknown;
export function matchValue(value: unknown, matcher: unknown): boolean;
export function matchesEvent(event: unknown, expectation: Expectation): boolean;
export function loadExpectations(raw: unknown): Expectations;
export function schemaValidator(schema: unknown): Validate;
export function checkSnapshot(text: string, expectations: Expectations, validate: Validate): Snapshot;
export function waitForEvents(opts: {
  read: () => string;
  expectations: Expectations;
  validate: Validate;
  timeoutMs: number;
  intervalMs: number;
  log?: (message: string) => void;
}): Promise<Snapshot>;
