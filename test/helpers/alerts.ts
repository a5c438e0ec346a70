// Alert payloads the end-to-end suites post, written for this project in Alertmanager's webhook
// format (version 4).

/** An Alertmanager webhook: one firing KubePodCrashLooping alert for `pod` in shop/cart. */
export function crashLoopAlert(pod: string) {
  return {
    version: '4',
    status: 'firing',
    receiver: 'vigil',
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    groupLabels: { alertname: 'KubePodCrashLooping' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod, container: 'cart', severity: 'critical' },
        annotations: { summary: `Pod shop/${pod} is in CrashLoopBackOff`, description: 'Back-off restarting failed container cart' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus/graph',
        fingerprint: `crashloop-${pod}`,
      },
    ],
  };
}
