import { grep, workloadTarget, type ContainerSpec, type Facts } from '../facts.js';
import type { ProposedAction } from '../types.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const PROBE = /(Liveness|Readiness|Startup) probe failed|Unhealthy/i;

function relaxLiveness(f: Facts, c: ContainerSpec | undefined): ProposedAction | null {
  const target = workloadTarget(f);
  const probe = c?.livenessProbe;
  if (!target || !c || !probe || (target.kind !== 'Deployment' && target.kind !== 'StatefulSet' && target.kind !== 'DaemonSet')) return null;
  const delay = typeof probe.initialDelaySeconds === 'number' ? probe.initialDelaySeconds : 0;
  const timeout = typeof probe.timeoutSeconds === 'number' ? probe.timeoutSeconds : 1;
  const livenessProbe = { initialDelaySeconds: Math.max(30, delay * 2), timeoutSeconds: Math.max(5, timeout * 2) };
  const patch = { spec: { template: { spec: { containers: [{ name: c.name, livenessProbe }] } } } };
  return { type: 'k8s_patch', target, params: { patchType: 'strategic', patch } };
}

export const probesModule: KnowledgeModule = {
  name: 'probes',
  analyze(f): Finding | null {
    const lines = grep(f, PROBE, 6);
    if (lines.length === 0) return null;
    const liveness = lines.some((l) => /liveness/i.test(l));
    const detail = /probe failed: (.*)$/i.exec(lines[0]!)?.[1];
    const refused = /connection refused/i.test(detail ?? '');
    const c = f.containers.find((x) => x.name === f.input.resource.container) ?? f.containers[0];
    const action = liveness ? relaxLiveness(f, c) : null;
    return {
      failure_class: liveness ? 'liveness-probe' : 'readiness-probe',
      summary: `${where(f)} fails its ${liveness ? 'liveness' : 'readiness'} probe${detail ? `: ${detail}` : ''}`,
      root_cause: liveness
        ? `The kubelet kills the container when the liveness probe fails (exit 137/143), which causes restarts.${refused ? ' The port refused the connection: the app is not listening yet or on another port.' : ' The endpoint answers too slowly or with an error.'}`
        : 'The pod is removed from Service endpoints while the readiness probe fails; traffic to it stops.',
      recommendation: refused
        ? 'Check the probe port and path match the app, and give it time to start (startupProbe or a larger initialDelaySeconds).'
        : 'Check the probe endpoint latency and dependencies; raise timeoutSeconds/initialDelaySeconds if the app is slow but healthy.',
      evidence: lines,
      action,
      confidence: liveness && f.exitCodes.some((c) => c === 137 || c === 143) ? 0.85 : 0.75,
    };
  },
};
