// The guards, as tiny pure predicates (Pepr style): each answers one question and is tested
// with a table. `evaluatePolicy` only combines their answers into a verdict with reasons.

export type ApplyMode = 'manual' | 'auto';

export const isExcludedNamespace = (namespace: string, excluded: readonly string[]): boolean => excluded.includes(namespace);

/** Auto mode applies only inside the auto-apply namespaces; everything else waits for a human. */
export const needsApproval = (mode: ApplyMode, autoNamespaces: readonly string[], namespace: string): boolean =>
  mode === 'manual' || !autoNamespaces.includes(namespace);

/** Milliseconds left before the target may be acted on again (0 = free). */
export const cooldownRemainingMs = (lastActionAt: number | undefined, cooldownMs: number, now: number): number =>
  lastActionAt === undefined ? 0 : Math.max(0, lastActionAt + cooldownMs - now);

const HOUR_MS = 3_600_000;

/** Actions taken in the hour before `now`. */
export const actionsInLastHour = (times: readonly number[], now: number): number => times.filter((t) => t > now - HOUR_MS && t <= now).length;

export const hourlyLimitReached = (times: readonly number[], limit: number, now: number): boolean => actionsInLastHour(times, now) >= limit;

export const blastRadiusExceeded = (pods: number, maxPods: number): boolean => pods > maxPods;

/** Why a replica change is not allowed, or undefined when it is. */
export function replicaBoundsViolation(type: 'scale-up' | 'scale-down' | 'patch', current: number, wanted: number, min: number, max: number): string | undefined {
  if (type === 'scale-up' && wanted <= current) return `scale-up to ${wanted} is not above the current ${current} replicas`;
  if (type === 'scale-down' && wanted >= current) return `scale-down to ${wanted} is not below the current ${current} replicas`;
  if (wanted > max) return `${wanted} replicas exceeds the configured maximum of ${max}`;
  if (wanted < min) return `${wanted} replicas is below the configured minimum of ${min}`;
  return undefined;
}

// registry[:port]/path[:tag][@sha256:digest], lower-case path components as the reference grammar says.
const IMAGE_REF =
  /^(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** A plausible container image reference (no spaces, shell characters or URLs). */
export const isPlausibleImage = (image: unknown): boolean => typeof image === 'string' && image.length <= 512 && IMAGE_REF.test(image);

export interface PolicyInput {
  mode: ApplyMode;
  autoNamespaces: readonly string[];
  excludedNamespaces: readonly string[];
  namespace: string;
  now: number;
  /** When this target was last acted on, and how long it must rest. */
  lastActionAt?: number;
  cooldownMs: number;
  /** Times of actions taken (all targets), and the hourly cap. */
  recentActions: readonly number[];
  maxActionsPerHour: number;
  /** Pods the action would touch, and the cap. */
  pods: number;
  maxPodsPerAction: number;
}

export interface PolicyVerdict {
  allowed: boolean;
  needsApproval: boolean;
  reasons: string[];
}

export function evaluatePolicy(p: PolicyInput): PolicyVerdict {
  const refusals: string[] = [];
  if (isExcludedNamespace(p.namespace, p.excludedNamespaces)) refusals.push(`namespace ${p.namespace} is excluded from remediation`);
  const wait = cooldownRemainingMs(p.lastActionAt, p.cooldownMs, p.now);
  if (wait > 0) refusals.push(`target is cooling down for another ${Math.ceil(wait / 1000)}s`);
  if (hourlyLimitReached(p.recentActions, p.maxActionsPerHour, p.now)) refusals.push(`hourly action limit of ${p.maxActionsPerHour} reached`);
  if (blastRadiusExceeded(p.pods, p.maxPodsPerAction)) refusals.push(`would touch ${p.pods} pods, more than the cap of ${p.maxPodsPerAction}`);
  if (refusals.length > 0) return { allowed: false, needsApproval: false, reasons: refusals };
  const approval = needsApproval(p.mode, p.autoNamespaces, p.namespace);
  const why = p.mode === 'manual' ? 'manual mode: waits for approval' : approval ? `auto mode, but ${p.namespace} is not an auto-apply namespace: waits for approval` : `auto mode in ${p.namespace}`;
  return { allowed: true, needsApproval: approval, reasons: [why] };
}
