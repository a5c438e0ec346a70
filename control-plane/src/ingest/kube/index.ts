// The Kubernetes source's public surface: what the app wires in.
export { createKubeSource, type KubeSource, type KubeSourceDeps, type KubeSourceStats } from './source.js';
export { KubeSection, KUBE_ENV, namespaceInScope, type KubeSectionInput } from './config.js';
export { resolveKubeAccess, type KubeAccess } from '../../../../lib/kube-config.js';
export { detectFailures, FAILURE_CLASSES, type FailureClass, type Finding } from './detect.js';
