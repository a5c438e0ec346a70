#!/usr/bin/env bash
# Installs and builds everything Vigil needs on this host, and is quick when all is in place:
# Debian packages (clang-19, libbpf, bpftool, nats-server, golang-go for the Go capture tests,
# android-libboringssl as a BoringSSL build with symbols to check the symbol-less locator against,
# ...), npm packages, the probes and the loader shim, the TypeScript build, and a mounted
# tracefs. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { [ "${VIGIL_SETUP_QUIET:-}" = 1 ] || echo "setup: $*" >&2; }

APT_PACKAGES=(clang-19 llvm-19 libbpf-dev bpftool libelf-dev zlib1g-dev make pkg-config gcc libc6-dev
  nats-server curl openssl ca-certificates python3 procps iproute2 gnutls-bin
  chromium golang-go android-libboringssl)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}) and not root: run as root" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

say "building probes and loader shim"
make -s -C probe

say "compiling TypeScript"
npm run -s build # tsc, and cli.js made executable: ./vigil and the benchmarks run it through its shebang

if [ "$(id -u)" = 0 ] && [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || say "could not mount tracefs at /sys/kernel/tracing"
fi
