{{/* Labels of every object. */}}
{{- define "tf-fashion.labels" -}}
app.kubernetes.io/part-of: tf-fashion
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The image of one service: call with (dict "root" $ "name" "file-drop"). */}}
{{- define "tf-fashion.image" -}}
{{ .root.Values.image.repository }}/{{ .name }}:{{ .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- end }}

{{/* The file drop's host: tf-fashion.<namespace>.<domain> unless ingress.host is set. */}}
{{- define "tf-fashion.host" -}}
{{ .Values.ingress.host | default (printf "tf-fashion.%s.%s" .Release.Namespace .Values.ingress.domain) }}
{{- end }}
