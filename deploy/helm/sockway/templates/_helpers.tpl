{{- define "sockway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sockway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "sockway.name" . -}}
{{- if contains $name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sockway.labels" -}}
{{ include "sockway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "sockway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sockway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sockway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "sockway.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "sockway.image" -}}
{{- $repo := .Values.image.repository -}}
{{- with .Values.image.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}{{ end -}}
{{- if .Values.image.digest -}}{{ printf "%s@%s" $repo .Values.image.digest }}{{- else -}}{{ printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion) }}{{- end -}}
{{- end -}}

{{- /* Whether more than one pod can run, so that a PodDisruptionBudget cannot block every node drain. */}}
{{- define "sockway.multiReplica" -}}
{{- if eq .Values.controllerKind "DaemonSet" -}}true
{{- else if .Values.autoscaling.enabled -}}{{ if gt (int .Values.autoscaling.maxReplicas) 1 }}true{{ end }}
{{- else if gt (int .Values.replicaCount) 1 -}}true
{{- end -}}
{{- end -}}

{{- /*
Shutdown timing, derived from terminationGracePeriodSeconds (G) and preStopDelaySeconds (P): after the preStop
sleep, SIGTERM; the process must be gone 5 s before the kubelet's SIGKILL, so its shutdown timeout is G-P-5; the
gateway spreads Close 1001 over that minus its two 6 s close graces (src/Gateway/Drain/ShutdownDrainer.cs).
*/}}
{{- define "sockway.shutdownSeconds" -}}
{{- sub (sub (int .Values.terminationGracePeriodSeconds) (int .Values.preStopDelaySeconds)) 5 -}}
{{- end -}}

{{- define "sockway.drainWindowSeconds" -}}
{{- sub (int (include "sockway.shutdownSeconds" .)) 12 -}}
{{- end -}}

{{- define "sockway.timespan" -}}
{{- printf "%02d:%02d:%02d" (div . 3600) (div (mod . 3600) 60) (mod . 60) -}}
{{- end -}}

{{- define "sockway.validate" -}}
{{- $window := int (include "sockway.drainWindowSeconds" .) -}}
{{- if lt $window 5 -}}
{{- fail (printf "terminationGracePeriodSeconds=%v leaves a drain window of %d s after preStopDelaySeconds=%v: it must be at least preStopDelaySeconds + 22" .Values.terminationGracePeriodSeconds $window .Values.preStopDelaySeconds) -}}
{{- end -}}
{{- if gt (int (include "sockway.shutdownSeconds" .)) 3600 -}}
{{- fail (printf "terminationGracePeriodSeconds=%v: the shutdown may take at most 3600 s after the preStop delay" .Values.terminationGracePeriodSeconds) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (eq .Values.controllerKind "DaemonSet") -}}
{{- fail "autoscaling.enabled: a DaemonSet cannot be autoscaled (set controllerKind=Deployment)" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas=%v is more than autoscaling.maxReplicas=%v" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) -}}
{{- end -}}
{{- $ports := list (int .Values.ports.http) (int .Values.ports.management) -}}
{{- if .Values.ports.https }}{{ $ports = append $ports (int .Values.ports.https) }}{{ end -}}
{{- if ne (len $ports) (len (uniq $ports)) -}}
{{- fail (printf "ports: http (%v), https (%v) and management (%v) must differ" .Values.ports.http .Values.ports.https .Values.ports.management) -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (not .Values.podDisruptionBudget.minAvailable) (not .Values.podDisruptionBudget.maxUnavailable) (include "sockway.multiReplica" .) -}}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable (or enabled=false)" -}}
{{- end -}}
{{- end -}}
