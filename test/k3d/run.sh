#!/usr/bin/env bash
# The k3d harness: builds the Vigil image, creates a throwaway k3d cluster, deploys a cookbook
# case, and checks what the sensor recorded (test/k3d/check-events.mjs against
# test/k3d/expectations.json and the event schema expected-events.json) and that the control
# plane's API shows the incidents. The cluster is deleted on every exit.
#   test/k3d/run.sh [case]          case: kubernetes/daemonset (the default)
# Needs a Docker engine. Without k3d or kubectl on the host it runs itself inside the
# Dockerfile.test image (Docker-in-Docker through the host's socket).
# Env: VIGIL_K3D_KEEP=1 keeps the cluster; VIGIL_K3D_TIMEOUT (seconds, default 300) bounds each wait.
set -euo pipefail
cd "$(dirname "$0")/../.."

CASE=${1:-kubernetes/daemonset}
TIMEOUT=${VIGIL_K3D_TIMEOUT:-300}
say() { echo "k3d harness: $*" >&2; }

if ! docker info >/dev/null 2>&1; then
  say "no Docker engine here (docker info failed): cannot run cookbook/$CASE"
  exit 1
fi
if [ ! -f "cookbook/$CASE/kustomization.yaml" ]; then
  say "no such case: cookbook/$CASE has no kustomization.yaml"
  exit 1
fi
case "$CASE" in
  kubernetes/daemonset) EXPECTATIONS=test/k3d/expectations.json ;;
  *) say "no expectations for $CASE (only kubernetes/daemonset has test/k3d/expectations.json)"; exit 1 ;;
esac

if [ -z "${VIGIL_IN_HARNESS:-}" ] && ! { command -v k3d && command -v kubectl; } >/dev/null 2>&1; then
  say "k3d or kubectl missing: running inside the Dockerfile.test image"
  docker build -q -t vigil-harness:local - < Dockerfile.test >/dev/null
  exec docker run --rm --network host -v /var/run/docker.sock:/var/run/docker.sock -v "$PWD:/repo" -w /repo \
    -e VIGIL_K3D_KEEP -e VIGIL_K3D_TIMEOUT -e CI vigil-harness:local "$CASE"
fi

[ -d node_modules/ajv ] || { say "installing npm packages (the event checker needs ajv)"; npm ci --no-audit --no-fund --loglevel=error; }

CLUSTER="vigil-e2e-$$"
IMAGE=vigil:dev
ART=test-artifacts/k3d
mkdir -p "$ART"
SENSOR_SELECTOR=app.kubernetes.io/component=sensor

collect() {
  kubectl get pods -A -o wide >"$ART/pods.txt" 2>&1 || true
  kubectl -n vigil-system logs -l "$SENSOR_SELECTOR" --tail=500 --prefix >"$ART/sensor.log" 2>&1 || true
  kubectl -n vigil-system logs deploy/vigil-control-plane --tail=500 >"$ART/control-plane.log" 2>&1 || true
  kubectl get events -A --sort-by=.lastTimestamp >"$ART/events.txt" 2>&1 || true
  read_events >"$ART/events.jsonl" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if k3d cluster list "$CLUSTER" >/dev/null 2>&1; then
    collect
    if [ "${VIGIL_K3D_KEEP:-}" = 1 ]; then say "keeping cluster $CLUSTER"; else k3d cluster delete "$CLUSTER" >/dev/null 2>&1 || true; fi
  fi
  if [ $status -eq 0 ]; then say "PASS: $CASE"; else say "FAIL: $CASE (status $status; diagnostics in $ART/)"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every sensor's events.jsonl, concatenated (one sensor per node): a plain sh command, because
# check-events.mjs runs it again and again through `sh -c`.
READ_EVENTS="for pod in \$(kubectl -n vigil-system get pods -l $SENSOR_SELECTOR -o name); do kubectl -n vigil-system exec \$pod -c sensor -- cat /output/events.jsonl; done"
read_events() { sh -c "$READ_EVENTS"; }

say "building $IMAGE"
docker build -t "$IMAGE" .

say "creating cluster $CLUSTER"
k3d cluster create "$CLUSTER" --agents 0 --wait --timeout "${TIMEOUT}s" --k3s-arg "--disable=traefik@server:0" >/dev/null
# k3d nodes are containers: give the node the host's tracefs, where the probes' tracepoints live.
docker exec "k3d-$CLUSTER-server-0" sh -c 'test -d /sys/kernel/tracing/events || mount -t tracefs nodev /sys/kernel/tracing'

say "importing images"
docker pull -q python:3.12-slim >/dev/null
docker pull -q nats:2.10-alpine >/dev/null
k3d image import -c "$CLUSTER" "$IMAGE" python:3.12-slim nats:2.10-alpine >/dev/null

say "deploying cookbook/$CASE"
kubectl apply -k "cookbook/$CASE" >/dev/null
kubectl -n vigil-system rollout status statefulset/vigil-nats --timeout="${TIMEOUT}s"
kubectl -n vigil-system rollout status daemonset/vigil-sensor --timeout="${TIMEOUT}s"
kubectl -n vigil-system rollout status deployment/vigil-control-plane --timeout="${TIMEOUT}s"
kubectl -n vigil-demo rollout status deployment/mock-openai --timeout="${TIMEOUT}s"
kubectl -n vigil-demo rollout status deployment/ai-test-app --timeout="${TIMEOUT}s"

say "checking the sensor's events"
node test/k3d/check-events.mjs --schema expected-events.json --expectations "$EXPECTATIONS" \
  --command "$READ_EVENTS" --timeout "$TIMEOUT"

say "checking that the control plane's API shows the crashers' incidents"
deadline=$((SECONDS + TIMEOUT))
incidents=""
until grep -q 'crasher-' <<<"$incidents"; do
  if [ $SECONDS -ge $deadline ]; then
    say "no incident for the crashers after ${TIMEOUT}s; last /api/incidents answer: ${incidents:0:500}"
    exit 1
  fi
  sleep 5
  # The image has node but no curl: node's fetch asks the control plane from inside its pod.
  incidents=$(kubectl -n vigil-system exec deploy/vigil-control-plane -- node -e \
    'fetch("http://127.0.0.1:8080/api/incidents").then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(1))' \
    2>/dev/null) || incidents=""
done
for crasher in crasher-exit crasher-segv crasher-oom; do
  grep -q "$crasher" <<<"$incidents" || say "note: no incident names $crasher yet"
done
printf '%s\n' "$incidents" >"$ART/incidents.json"
