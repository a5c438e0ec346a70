#!/usr/bin/env bash
# Runs every test this machine can run: setup (packages, probes, build), the type check, the
# vitest suites (unit, conformance and the privileged end-to-end suites, which need root and
# real eBPF), then the k3d Docker-in-Docker harness where a Docker engine exists.
#   ./test-all.sh                      everything
#   ./test-all.sh kubernetes/daemonset one cookbook case in the k3d harness
# With CI=true a suite that cannot run (not root, no BPF, no corpus) fails instead of skipping.
set -uo pipefail
cd "$(dirname "$0")"
mkdir -p test-artifacts

if [ $# -gt 0 ]; then
  exec ./test/k3d/run.sh "$@"
fi

./scripts/setup.sh || { echo "test-all: setup failed" >&2; exit 1; }

echo "== type check"
npm run -s typecheck || { echo "test-all: type check failed" >&2; exit 1; }

echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json
status=$?
node -e '
  const r = require("./test-artifacts/vitest.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || status=1

echo "== k3d harness"
if docker info >/dev/null 2>&1; then
  ./test/k3d/run.sh || status=1
else
  echo "k3d harness: skipped, no Docker engine on this machine (docker info failed)"
fi
exit $status
