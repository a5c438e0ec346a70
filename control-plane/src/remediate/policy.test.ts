import { describe, expect, it } from 'vitest';
import { RemediationSection, remediationEnv } from './config.js';
import { parseGoDuration } from './duration.js';
import { disallowedPatchPaths } from './patch-allowlist.js';
import {
  actionsInLastHour,
  blastRadiusExceeded,
  cooldownRemainingMs,
  evaluatePolicy,
  isExcludedNamespace,
  isPlausibleImage,
  needsApproval,
  replicaBoundsViolation,
  type PolicyInput,
} from './policy.js';

const EXCLUDED = ['kube-system', 'vigil-system'];

describe('policy predicates', () => {
  it.each([
    ['kube-system', true],
    ['vigil-system', true],
    ['shop', false],
    ['kube-system-2', false],
  ])('namespace %s excluded: %s', (ns, excluded) => expect(isExcludedNamespace(ns, EXCLUDED)).toBe(excluded));

  it.each([
    ['manual', ['shop'], 'shop', true],
    ['auto', ['shop'], 'shop', false],
    ['auto', ['shop'], 'billing', true],
    ['auto', [], 'shop', true],
  ] as const)('mode %s with auto namespaces %j in %s needs approval: %s', (mode, auto, ns, expected) => expect(needsApproval(mode, auto, ns)).toBe(expected));

  it.each([
    [undefined, 300_000, 1_000_000, 0],
    [1_000_000, 300_000, 1_000_000, 300_000],
    [1_000_000, 300_000, 1_200_000, 100_000],
    [1_000_000, 300_000, 1_300_000, 0],
    [1_000_000, 300_000, 1_400_000, 0],
  ])('last action %s, cooldown %i, now %i: %i ms left', (last, cooldown, now, left) => expect(cooldownRemainingMs(last, cooldown, now)).toBe(left));

  it.each([
    [[], 0],
    [[10_000_000 - 3_600_000], 0],
    [[10_000_000 - 3_599_999, 10_000_000], 2],
    [[10_000_001], 0],
  ])('actions at %j: %i in the last hour', (times, n) => expect(actionsInLastHour(times, 10_000_000)).toBe(n));

  it.each([
    [5, 5, false],
    [6, 5, true],
    [1, 1, false],
  ])('%i pods against a cap of %i exceeded: %s', (pods, cap, exceeded) => expect(blastRadiusExceeded(pods, cap)).toBe(exceeded));

  it.each([
    ['scale-up', 2, 4, undefined],
    ['scale-up', 2, 2, /not above/],
    ['scale-up', 2, 11, /maximum of 10/],
    ['scale-down', 4, 1, undefined],
    ['scale-down', 4, 0, /minimum of 1/],
    ['scale-down', 4, 5, /not below/],
    ['patch', 4, 4, undefined],
    ['patch', 4, 12, /maximum/],
  ] as const)('%s from %i to %i', (type, current, wanted, why) => {
    const v = replicaBoundsViolation(type, current, wanted, 1, 10);
    if (why === undefined) expect(v).toBeUndefined();
    else expect(v).toMatch(why);
  });

  it.each([
    ['nginx', true],
    ['nginx:1.27-alpine', true],
    ['registry.example.com:5000/team/app:v1.2.3', true],
    ['ghcr.io/org/app@sha256:' + 'a'.repeat(64), true],
    ['NGINX', false],
    ['nginx; rm -rf /', false],
    ['https://evil.example/app', false],
    ['$(curl evil)', false],
    ['', false],
    [42, false],
  ])('image %j plausible: %s', (image, ok) => expect(isPlausibleImage(image)).toBe(ok));
});

describe('evaluatePolicy', () => {
  const base: PolicyInput = {
    mode: 'auto',
    autoNamespaces: ['shop'],
    excludedNamespaces: EXCLUDED,
    namespace: 'shop',
    now: 10_000_000,
    cooldownMs: 300_000,
    recentActions: [],
    maxActionsPerHour: 3,
    pods: 1,
    maxPodsPerAction: 5,
  };
  it.each([
    [{}, true, false, /auto mode in shop/],
    [{ mode: 'manual' }, true, true, /manual mode/],
    [{ namespace: 'billing' }, true, true, /not an auto-apply namespace/],
    [{ namespace: 'kube-system' }, false, false, /excluded/],
    [{ lastActionAt: 9_900_000 }, false, false, /cooling down for another 200s/],
    [{ recentActions: [9_000_000, 9_500_000, 9_900_000] }, false, false, /hourly action limit of 3/],
    [{ pods: 6 }, false, false, /6 pods, more than the cap of 5/],
  ] as const)('%j → allowed %s, approval %s', (change, allowed, approval, why) => {
    const v = evaluatePolicy({ ...base, ...change });
    expect(v.allowed).toBe(allowed);
    expect(v.needsApproval).toBe(approval);
    expect(v.reasons.join('; ')).toMatch(why);
  });

  it('lists every refusal, not just the first', () => {
    const v = evaluatePolicy({ ...base, namespace: 'kube-system', pods: 50, lastActionAt: base.now });
    expect(v.reasons).toHaveLength(3);
  });
});

describe('k8s_patch allowlist', () => {
  it.each([
    [{ spec: { replicas: 3 } }, 'Deployment', []],
    [{ spec: { replicas: 3 } }, 'DaemonSet', ['spec.replicas']],
    [{ spec: { template: { spec: { containers: [{ name: 'a', image: 'x', env: [], resources: {}, livenessProbe: {}, readinessProbe: {}, startupProbe: {} }] } } } }, 'Deployment', []],
    [{ spec: { template: { spec: { containers: [{ name: 'a', command: ['sh'] }] } } } }, 'StatefulSet', ['spec.template.spec.containers[0].command']],
    [{ spec: { template: { metadata: { annotations: {} } } } }, 'Deployment', ['spec.template.metadata']],
    [{ spec: { containers: [{ name: 'a', image: 'x' }] } }, 'Pod', []],
    [{ spec: { containers: [{ image: 'x' }] } }, 'Pod', ['spec.containers[0] (a container needs its name)']],
    [{ spec: { nodeName: 'n1', hostPID: true } }, 'Pod', ['spec.nodeName', 'spec.hostPID']],
    [{ metadata: {}, status: {} }, 'Deployment', ['metadata', 'status']],
  ])('%j on a %s → %j', (patch, kind, paths) => expect(disallowedPatchPaths(patch, kind)).toEqual(paths));
});

describe('config', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1.5h', 5_400_000],
    ['5', undefined],
    ['m5', undefined],
  ])('duration %s = %s ms', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it('defaults to manual, kube-system and vigil-system excluded, 5m cooldown, 50 actions an hour', () => {
    const c = RemediationSection.parse({});
    expect(c).toMatchObject({ applyMode: 'manual', excludedNamespaces: EXCLUDED, dryRun: false, cooldown: 300_000, maxActionsPerHour: 50 });
  });

  it('reads the environment names', () => {
    const env = { APPLY_MODE: 'auto', AUTO_APPLY_NAMESPACES: 'shop, billing', EXCLUDED_NAMESPACES: 'kube-system,monitoring', DRY_RUN: 'true', REMEDIATION_COOLDOWN: '10m', MAX_ACTIONS_PER_HOUR: '7' };
    const c = RemediationSection.parse(remediationEnv(env));
    expect(c).toMatchObject({ applyMode: 'auto', autoApplyNamespaces: ['shop', 'billing'], excludedNamespaces: ['kube-system', 'monitoring'], dryRun: true, cooldown: 600_000, maxActionsPerHour: 7 });
  });

  it.each([[{ applyMode: 'yolo' }], [{ cooldown: 'soon' }], [{ minReplicas: 5, maxReplicas: 2 }], [{ dryRun: 'maybe' }]])('rejects %j', (raw) =>
    expect(RemediationSection.safeParse(raw).success).toBe(false),
  );
});
