// End to end, as root: Bun (from npm) calls the local HTTPS server with fetch. Its BoringSSL is
// linked in with the symbols stripped, so the probes cannot find SSL_read/SSL_write: the sensor
// must say so in `vigil status`, naming the binary and the reason, rather than stay silent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../probe/src/status.js';
import { BUN_VERSION, ensureBun } from './helpers/bun.js';
import { startCaptureFixture, type CaptureFixture } from './helpers/capture.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('Bun (statically linked BoringSSL) capture');

describe.runIf(gate.ok)(`Bun ${BUN_VERSION}: statically linked BoringSSL without symbols`, () => {
  let fx: CaptureFixture;
  let bun: string;

  beforeAll(async () => {
    bun = ensureBun();
    fx = await startCaptureFixture({ debug: { raw_tls: true } });
  }, 400_000);

  afterAll(() => fx?.stop());

  it('is named in vigil status with the reason its HTTPS is not captured', async () => {
    const script = `const r = await fetch('https://localhost:${fx.server.port}/bun', { method: 'POST', body: 'hi' }); await r.text();`;
    const r = await run(bun, ['-e', script], { NODE_EXTRA_CA_CERTS: fx.cert.cert });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => fx.server.exchanges.find((x) => x.path === '/bun'), 'the server to log the call');

    const failed = await waitFor(() => fx.agent.status().targets.failed.find((t) => t.path === bun), 'bun among the targets that could not be attached');
    expect(failed.reason).toMatch(/BoringSSL linked in without symbols .*not captured/);
    expect(formatStatus(fx.agent.status(), false)).toContain(`${bun}: TLS from BoringSSL linked in without symbols`);
    // The gap is real: nothing of the call was seen.
    expect(fx.events.filter((e) => e.process?.tgid === r.pid && (e.kind === 'tls_data' || e.kind === 'ai_call'))).toEqual([]);
  });
});
