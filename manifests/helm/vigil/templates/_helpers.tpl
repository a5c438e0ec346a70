{{/* Labels shared by every object; `component` names the part (sensor, control-plane, nats). */}}
{{- define "vigil.labels" -}}
app.kubernetes.io/name: vigil
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: vigil
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "vigil.selector" -}}
app.kubernetes.io/name: vigil
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "vigil.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The NATS URL: the chart's own StatefulSet (same namespace), or nats.url when it is disabled. */}}
{{- define "vigil.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://vigil-nats:4222
{{- else -}}
{{ .Values.nats.url }}
{{- end -}}
{{- end -}}
