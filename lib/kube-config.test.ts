import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveKubeAccess } from './kube-config.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://10.0.0.1:6443" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

describe('resolveKubeAccess', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-access-'));
  const file = join(dir, 'config');
  writeFileSync(file, KUBECONFIG);
  const none = () => false;

  it('finds nothing without a service account or a kubeconfig', () => {
    expect(resolveKubeAccess({}, { HOME: dir + '/empty' }, none)).toBeUndefined();
    expect(resolveKubeAccess({ inCluster: true }, { HOME: dir }, (p) => p === file)).toBeUndefined();
  });

  it('uses the in-cluster service account when the pod has one', () => {
    const access = resolveKubeAccess({}, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, (p) => p.endsWith('/serviceaccount/token'));
    // client-node reads the service host and token from the real environment when it connects.
    expect(access?.via).toBe('in-cluster');
  });

  it('uses the first existing $KUBECONFIG file, then ~/.kube/config', () => {
    const viaEnv = resolveKubeAccess({}, { KUBECONFIG: `${dir}/missing:${file}` }, (p) => p === file);
    expect(viaEnv).toMatchObject({ via: 'kubeconfig' });
    expect(viaEnv?.kubeConfig.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    const home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), KUBECONFIG.replace('10.0.0.1', '10.0.0.2'));
    expect(resolveKubeAccess({}, { HOME: home })?.kubeConfig.getCurrentCluster()?.server).toBe('https://10.0.0.2:6443');
  });

  it('prefers an explicit kubeconfig and never the service account when inCluster is false', () => {
    expect(resolveKubeAccess({ kubeconfig: file }, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, () => true)?.via).toBe('kubeconfig');
    expect(resolveKubeAccess({ inCluster: false }, { KUBERNETES_SERVICE_HOST: '10.96.0.1', HOME: dir + '/empty' }, (p) => p.endsWith('/token'))).toBeUndefined();
  });
});
