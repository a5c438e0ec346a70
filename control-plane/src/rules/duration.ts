// Go-style durations as Kube Sentinel writes them (`5m`, `1h30m`, `250ms`) → milliseconds.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function parseDuration(text: string): number {
  if (!GO_DURATION.test(text)) throw new Error(`not a duration: "${text}" (expected e.g. 30s, 5m, 1h30m)`);
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}
