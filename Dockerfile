# syntax=docker/dockerfile:1
# One image for both roles:  `vigil sensor` (DaemonSet, root + eBPF capabilities) and
# `vigil control-plane` (Deployment, the non-root USER below).
#   docker build -t vigil:dev .
# The probes are CO-RE, but vmlinux.h is generated from a BTF file at build time
# (/sys/kernel/btf/vmlinux of the build host). Without one, put a vmlinux BTF file under
# probe/ and pass --build-arg BTF_FILE=probe/<file> (see docs/install.md).

FROM node:20-bookworm AS build
ARG BTF_FILE=/sys/kernel/btf/vmlinux
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang-19 llvm-19 libbpf-dev bpftool libelf-dev \
      zlib1g-dev make pkg-config gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is reused until the lock file changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY probe/ probe/
RUN make -C probe BTF="$(realpath -m "$BTF_FILE")"
COPY tsconfig.json tsconfig.build.json ./
COPY lib/ lib/
COPY schema/ schema/
COPY src/ src/
COPY control-plane/ control-plane/
# bench/ and test/ stay out: tsconfig.build.json finds no bench files and compiles the rest.
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 vigil \
 && useradd --system --uid 10001 --gid vigil --home-dir /var/lib/vigil --create-home vigil
WORKDIR /app
ENV NODE_ENV=production VIGIL_DATA_DIR=/var/lib/vigil
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules/ ./node_modules/
COPY --from=build /src/dist/ ./dist/
COPY --from=build /src/probe/build/libvigilprobe.so ./probe/build/libvigilprobe.so
COPY --from=build /src/schema/events.proto ./schema/events.proto
COPY --from=build /src/control-plane/rules.default.yaml ./control-plane/rules.default.yaml
# The dashboard is served as is (native ES modules, no build step): see docs/dashboard.md.
COPY --from=build /src/control-plane/dashboard/ ./control-plane/dashboard/
# `vigil status` is the sensor's exec probe; the symlink puts the command on PATH.
RUN chmod +x dist/src/cli.js && ln -s /app/dist/src/cli.js /usr/local/bin/vigil
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/app/dist/src/cli.js"]
CMD ["control-plane"]
