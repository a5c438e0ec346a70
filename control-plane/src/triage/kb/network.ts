import { grep } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const DNS = /no such host|NXDOMAIN|Temporary failure in name resolution|getaddrinfo (ENOTFOUND|EAI_AGAIN)|could not resolve host|Name or service not known/i;
const CONN = /connection refused|ECONNREFUSED|ECONNRESET|connection reset by peer|i\/o timeout|ETIMEDOUT|connect: no route to host|EHOSTUNREACH/i;
const HOST = /(?:lookup|ENOTFOUND|resolve host:?|connect(?:ing)? to|dial tcp) ([\w.-]+(?::\d+)?)/i;

export const networkModule: KnowledgeModule = {
  name: 'network',
  analyze(f): Finding | null {
    const dns = grep(f, DNS);
    const conn = grep(f, CONN);
    if (dns.length === 0 && conn.length === 0) return null;
    const host = HOST.exec([...dns, ...conn].join('\n'))?.[1];
    if (dns.length) {
      return {
        failure_class: 'dns-error',
        summary: `${where(f)} cannot resolve ${host ?? 'a host name'}`,
        root_cause: `DNS lookups fail${host ? ` for ${host}` : ''}: a wrong service name/namespace, a missing Service, or CoreDNS trouble.`,
        recommendation: `Check the name (svc.namespace.svc.cluster.local), that the Service exists, and CoreDNS health (kubectl -n kube-system logs -l k8s-app=kube-dns).`,
        evidence: dns,
        action: null,
        confidence: 0.8,
      };
    }
    return {
      failure_class: 'connection-error',
      summary: `${where(f)} cannot connect to ${host ?? 'a dependency'}`,
      root_cause: `Connections${host ? ` to ${host}` : ''} are refused, reset or time out: the dependency is down, has no ready endpoints, or a NetworkPolicy blocks it.`,
      recommendation: 'Check the dependency\'s pods and Service endpoints (kubectl get endpoints), NetworkPolicies, and add retries with backoff at startup.',
      evidence: conn,
      action: null,
      confidence: 0.7,
    };
  },
};
