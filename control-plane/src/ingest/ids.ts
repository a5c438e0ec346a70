import { hash } from 'node:crypto';

/** A deterministic signal id: the same source record always yields the same id (dedup on replay). */
export function stableId(prefix: string, ...parts: string[]): string {
  return `${prefix}:${hash('sha256', parts.join('\0')).slice(0, 32)}`;
}
