// The harness's entry points without a Docker engine: run.sh must stop at once with one clear
// line (a fake `docker` whose `info` fails stands in for a machine without an engine), and the
// harness image must carry the tools run.sh uses.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RUN = new URL('./run.sh', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs a script with a `docker` whose every command fails first on PATH. */
function withoutDocker(script: string, args: string[]) {
  const bin = mkdtempSync(join(tmpdir(), 'vigil-nodocker-'));
  writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n');
  chmodSync(join(bin, 'docker'), 0o755);
  return spawnSync('bash', [script, ...args], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 20_000 });
}

const ONE_LINE = ['k3d harness: no Docker engine here (docker info failed): cannot run cookbook/kubernetes/daemonset'];

describe('test/k3d/run.sh', () => {
  it.each([[[]], [['kubernetes/daemonset']]])('with %j and no Docker engine fails fast with one line', (args) => {
    const r = withoutDocker(RUN, args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(ONE_LINE);
  });

  it('an unknown case is refused before anything is built', () => {
    const bin = mkdtempSync(join(tmpdir(), 'vigil-fakedocker-'));
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'docker'), 0o755);
    const r = spawnSync('bash', [RUN, 'no/such-case'], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('k3d harness: no such case: cookbook/no/such-case has no kustomization.yaml');
  });

  it('./test-all.sh <case> hands the case to run.sh', () => {
    const r = withoutDocker(join(ROOT, 'test-all.sh'), ['kubernetes/daemonset']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(ONE_LINE);
  });
});

describe('Dockerfile.test (the harness image)', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile.test'), 'utf8');

  it('has the docker CLI, kubectl, k3d and Node, and runs run.sh from the mounted repository', () => {
    expect(text).toMatch(/^FROM node:20-bookworm/m);
    expect(text).toMatch(/apt-get install[^\n]*\sdocker\.io\s/);
    for (const tool of ['kubectl', 'k3d']) expect(text).toMatch(new RegExp(`-o /usr/local/bin/${tool} `));
    expect(text).toMatch(/^ENTRYPOINT \["bash", "test\/k3d\/run\.sh"\]$/m);
    expect(text).not.toMatch(/^COPY /m);
  });
});
