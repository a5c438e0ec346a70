// The dashboard in a real browser (Debian's chromium driven by playwright-core) against a real
// control plane: tokens, manual remediation with DRY_RUN, and the Kubernetes API stand-in.
// A person signs in, watches an alert's incident appear live, opens it with the keyboard,
// approves the proposed remediation (a dry run) and sees the audit entry; the AI usage page
// draws its charts from AI calls fed through the sensor path. Screenshots go to
// test-artifacts/dashboard/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../schema/event.js';
import { parseConfig } from '../control-plane/src/config.js';
import { startControlPlane, type ControlPlane } from '../control-plane/src/main.js';
import { startKubeApi, type KubeApiStandIn } from './helpers/kube-api.js';
import { seedWorkload, withActions } from './helpers/kube-api-actions.js';
import { requireTool } from './helpers/require-tool.js';
import { crashLoopAlert } from './helpers/alerts.js';

const CHROMIUM = '/usr/bin/chromium';
const gate = requireTool('dashboard browser test', CHROMIUM, 'apt-get install chromium (scripts/setup.sh does)');
const ARTIFACTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'test-artifacts/dashboard');
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const READ_TOKEN = 'read-token-0123456789abcdef';

interface CallSpec {
  namespace: string;
  model: string;
  provider: string;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  costUsd: number;
  status?: number;
}

let seq = 0;
function aiCall(c: CallSpec, at: Date): Event {
  seq += 1;
  return {
    id: `dash-ai-${seq}`,
    time: at.toISOString(),
    node: 'node-a',
    kind: 'ai_call',
    k8s: { namespace: c.namespace, pod: `${c.namespace}-agent-7d9f-x${seq}`, container: 'agent' },
    ai_call: {
      provider: c.provider,
      gen_ai: { system: c.provider, request: { model: c.model }, usage: { input_tokens: c.tokensIn, output_tokens: c.tokensOut } },
      http: { method: 'POST', path: '/v1/chat/completions', status_code: c.status ?? 200 },
      timing: { duration_ms: c.latencyMs },
      cost: { usd: c.costUsd },
    },
  };
}

// A shared 2-core machine can be slow to start chromium: room beyond the default 30 s.
describe.runIf(gate.ok)('dashboard in headless chromium', { timeout: 60_000 }, () => {
  let dir: string;
  let kube: KubeApiStandIn;
  let cp: ControlPlane;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedResponses: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
    kube = withActions(await startKubeApi());
    seedWorkload(kube, 'shop', 'cart');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kube.kubeconfigYaml());
    cp = await startControlPlane(
      parseConfig({
        server: {
          host: '127.0.0.1',
          port: 0,
          auth: {
            tokens: [
              { name: 'alice', role: 'admin', token: ADMIN_TOKEN },
              { name: 'rita', role: 'read', token: READ_TOKEN },
            ],
          },
        },
        store: { dataDir: join(dir, 'state') },
        kubernetes: { inCluster: false, kubeconfig, watchNamespaces: ['shop'] },
        remediation: { applyMode: 'manual', dryRun: true, executeIntervalMs: 100 },
      }),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    // Below the test timeout, so a stuck step names its locator.
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.request().method()} ${r.url().replace(cp.url, '')}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the assets openly under /ui/ with a self-only CSP, and sends / there', async () => {
    const root = await fetch(`${cp.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    const index = await fetch(`${cp.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<script type="module" src="js/main.js">');
    expect((await fetch(`${cp.url}/ui/js/main.js`)).headers.get('content-type')).toMatch(/javascript/);
    // The data behind it is not open.
    expect((await fetch(`${cp.url}/api/settings`)).status).toBe(401);
  });

  it('asks for a token, then shows who is signed in and goes live', async () => {
    await page.goto(`${cp.url}/`);
    expect(page.url()).toBe(`${cp.url}/ui/`);
    const login = page.getByRole('dialog', { name: 'Sign in' });
    await login.waitFor();
    await shot('01-sign-in');
    await page.getByLabel('Token').fill('not-a-valid-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#login-why').textContent()).toContain('not accepted');
    await page.getByLabel('Token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#who').textContent()).toBe('alice · admin');
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await page.getByRole('heading', { name: 'Incidents' }).waitFor();
  });

  it('shows a new incident live, opens it by keyboard, approves the dry run and shows the audit entry', async () => {
    // A marker on the window: it survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { untouched: boolean }).untouched = true));
    const res = await fetch(`${cp.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(crashLoopAlert('cart-h1-0')) });
    expect(res.status).toBeLessThan(300);

    const row = page.locator('section[data-priority="P1"] li[data-id] a', { hasText: 'CrashLoop' });
    await row.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { untouched?: boolean }).untouched)).toBe(true);
    expect(await row.evaluate((a) => a.closest('li')!.classList.contains('fresh'))).toBe(true);
    await expect.poll(() => row.textContent()).toContain('shop');
    await shot('02-feed-live-incident');

    // Keyboard only: j focuses the first row, Enter opens it.
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toMatch(/^#\/incidents\//);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Analysis' }).waitFor();
    await expect.poll(() => page.locator('[data-field="summary"]').textContent()).toBeTruthy();
    await expect.poll(() => page.locator('[data-field="root-cause"]').textContent()).toBeTruthy();
    expect(await page.locator('meter[aria-label="confidence"]').getAttribute('value')).toMatch(/^\d+$/);

    const card = page.locator('article.remediation').first();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('pending');
    const kubectl = await card.locator('.kubectl').textContent();
    expect(kubectl).toMatch(/^kubectl /);
    await shot('03-incident-pending');

    // `a` asks first; the reason typed goes to the audit log.
    await page.keyboard.press('a');
    const confirm = page.getByRole('dialog', { name: 'Confirm' });
    await confirm.waitFor();
    await page.getByLabel('Why').fill('crash loop after config push; restart is safe');
    await shot('04-approve-confirm');
    await page.getByRole('button', { name: 'Confirm' }).click();

    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('dry-run');
    await expect.poll(() => card.locator('[data-dry-run]').getAttribute('data-dry-run')).toBe('ok');
    const audit = page.locator('table.audit tbody tr');
    await expect.poll(() => audit.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome'))), { timeout: 15_000 }).toEqual(expect.arrayContaining(['pending-approval', 'approved', 'dry-run']));
    const approvedRow = page.locator('table.audit tbody tr[data-outcome="approved"]');
    await expect.poll(() => approvedRow.textContent()).toContain('alice');
    expect(await approvedRow.textContent()).toContain('crash loop after config push');
    await shot('05-incident-dry-run-audit');

    // The API agrees, and the dry run changed nothing in the cluster.
    const incidentId = decodeURIComponent(page.url().split('#/incidents/')[1]!);
    const entries = (await (await fetch(`${cp.url}/api/audit?incident=${encodeURIComponent(incidentId)}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as Array<{ outcome: string; actor: { name?: string } }>;
    expect(entries.find((e) => e.outcome === 'approved')?.actor.name).toBe('alice');
    expect(kube.requests.filter((r) => r.method !== 'GET' && r.query.dryRun !== 'All')).toEqual([]);
    expect(kube.requests.some((r) => r.method !== 'GET' && r.query.dryRun === 'All')).toBe(true);
  });

  it('draws the AI usage charts from the AI calls fed in, and adds new calls live', async () => {
    const now = Date.now();
    const calls: Array<CallSpec & { ago: number }> = [
      { namespace: 'shop', model: 'gpt-4o', provider: 'openai', tokensIn: 1200, tokensOut: 300, latencyMs: 850, costUsd: 0.012, ago: 40 },
      { namespace: 'shop', model: 'gpt-4o', provider: 'openai', tokensIn: 800, tokensOut: 200, latencyMs: 650, costUsd: 0.008, ago: 25 },
      { namespace: 'shop', model: 'gpt-4o-mini', provider: 'openai', tokensIn: 500, tokensOut: 100, latencyMs: 300, costUsd: 0.001, ago: 12 },
      { namespace: 'search', model: 'claude-sonnet-4', provider: 'anthropic', tokensIn: 2000, tokensOut: 700, latencyMs: 1900, costUsd: 0.0165, ago: 33 },
      { namespace: 'search', model: 'claude-sonnet-4', provider: 'anthropic', tokensIn: 1000, tokensOut: 0, latencyMs: 120, costUsd: 0, status: 429, ago: 8 },
    ];
    for (const c of calls) cp.acceptEvent(aiCall(c, new Date(now - c.ago * 60_000)));

    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await page.getByRole('heading', { name: 'AI usage' }).waitFor();
    const tile = (f: string) => page.locator(`.tile[data-total="${f}"] .value`).textContent();
    await expect.poll(() => tile('calls'), { timeout: 10_000 }).toBe('5');
    expect(await tile('errors')).toBe('1');
    expect(await tile('tokensIn')).toBe('5,500');
    expect(await tile('tokensOut')).toBe('1,300');
    expect(await tile('costUsd')).toBe('$0.0375');

    // One drawn path per namespace, with a point per call bucket, and legend totals per key.
    const paths = page.locator('#chart-calls path[data-key]');
    expect(await paths.evaluateAll((ps) => ps.map((p) => p.getAttribute('data-key')).sort())).toEqual(['search', 'shop']);
    // Each call is in its own minute bucket: as many non-zero points as calls, at the calls' values.
    const values = (chart: string, key: string) => page.locator(`#${chart} g[data-key="${key}"] circle`).evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-v'))).filter((v) => v > 0));
    expect(await values('chart-calls', 'shop')).toEqual([1, 1, 1]);
    expect(await values('chart-tokens', 'shop')).toEqual([1500, 1000, 600]);
    expect((await values('chart-cost', 'search')).length).toBe(1);
    expect(await page.locator('#chart-calls path[data-key="shop"]').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){2,}$/);
    expect(await page.locator('#chart-calls .legend li[data-key="shop"] .value').textContent()).toBe('3 calls, 0 errors');
    expect(await page.locator('#chart-calls .legend li[data-key="search"] .value').textContent()).toBe('2 calls, 1 errors');
    expect(await page.locator('#chart-cost .legend li[data-key="shop"] .value').textContent()).toBe('$0.0210');
    // Latency percentiles come from the store's histogram: the legend shows what the API computed.
    const series = (await (await fetch(`${cp.url}/api/ai-calls/series?by=namespace&step=60&since=${new Date(now - 3_600_000).toISOString()}&until=${new Date(now + 60_000).toISOString()}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { series: Array<{ key: string; points: Array<{ latencyP95Ms: number | null }> }> };
    const p95 = Math.max(...series.series.find((x) => x.key === 'search')!.points.map((p) => p.latencyP95Ms ?? 0));
    expect(p95).toBeGreaterThan(1500);
    expect(await page.locator('#chart-p95 .legend li[data-key="search"] .value').textContent()).toBe(`max ${Math.round(p95).toLocaleString('en-US')} ms`);
    expect(await page.locator('table.calls tbody tr').count()).toBe(5);
    await shot('06-ai-usage-by-namespace');

    // Split by model: the same calls, three keys.
    await page.locator('#ai-by-model').check();
    await expect.poll(() => paths.evaluateAll((ps) => ps.map((p) => p.getAttribute('data-key')).sort())).toEqual(['claude-sonnet-4', 'gpt-4o', 'gpt-4o-mini']);
    await shot('07-ai-usage-by-model');

    // A call arriving now shows up in the table without reloading.
    cp.acceptEvent(aiCall({ namespace: 'search', model: 'claude-sonnet-4', provider: 'anthropic', tokensIn: 42, tokensOut: 7, latencyMs: 99, costUsd: 0.0001 }, new Date()));
    await expect.poll(() => page.locator('table.calls tbody tr').count(), { timeout: 10_000 }).toBe(6);

    // The table's filters query the API: only shop's three calls remain.
    await page.locator('#ai-f-namespace').fill('shop');
    await expect.poll(() => page.locator('table.calls tbody tr').count()).toBe(3);
    expect(await page.locator('#calls-h').textContent()).toContain('3 of 3');
    await page.locator('#ai-f-namespace').fill('');
    await expect.poll(() => page.locator('table.calls tbody tr').count()).toBe(6);
    // Keys typed in a field stay there; Esc leaves it and the shortcuts work again.
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.id)).not.toBe('ai-f-namespace');
  });

  it('parses the event stream in the browser as the server frames it', async () => {
    // A string, so the test runner's transform leaves the dynamic import to the browser.
    const frames = 'retry: 3000\n: connected\n\nevent: incident\ndata: {"a":1}\n\n: ping\n\r\ndata: line1\r\ndata: line2\r\n\r\nevent: audit\ndata: {"b"';
    const parsed = await page.evaluate(`import('/ui/js/stream.js').then((m) => m.parseSse(${JSON.stringify(frames)}))`);
    expect(parsed).toEqual({
      messages: [
        { event: 'incident', data: '{"a":1}' },
        { event: 'message', data: 'line1\nline2' },
      ],
      rest: 'event: audit\ndata: {"b"',
    });
  });

  it('lists sensors, remediation history and rules, and keeps a read token read-only', async () => {
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await page.getByRole('heading', { name: 'Sensors' }).waitFor();
    // A heartbeat arrives while the page is open: the node's row appears live.
    cp.acceptEvent({
      id: 'dash-status-1',
      time: new Date().toISOString(),
      node: 'node-a',
      kind: 'sensor_status',
      sensor_status: { version: '0.1.0', interval_s: 10, events: { ai_call: 6, process_exit: 2 }, losses: { ssl_read: 3 }, lost_total: 3, targets_attached: 4 },
    });
    const node = page.locator('table.sensors tr[data-node="node-a"]');
    await node.waitFor();
    expect(await node.textContent()).toContain('ai_call 6');
    expect(await node.locator('td[data-lost]').getAttribute('data-lost')).toBe('3');
    expect(await node.textContent()).toContain('ssl_read 3');
    expect(await node.textContent()).toContain('healthy');
    await shot('08-sensors');

    await page.keyboard.press('g');
    await page.keyboard.press('m');
    await page.locator('table.remediations tr[data-state="dry-run"]').waitFor();
    await shot('09-remediations');

    await page.keyboard.press('g');
    await page.keyboard.press('r');
    await page.locator('table.rules tbody tr', { hasText: 'crashloop-backoff' }).waitFor();
    await shot('10-rules');

    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard' }).waitFor();
    await shot('11-help');
    await page.keyboard.press('Escape');

    // Signed in with the read token, a mutation is refused and says why.
    await page.evaluate((t) => sessionStorage.setItem('vigil.token', t), READ_TOKEN);
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await page.reload();
    await expect.poll(() => page.locator('#who').textContent()).toBe('rita · read');
    await page.locator('#set-dry-run').click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('#toast').textContent()).toContain('admin');
    await expect.poll(() => page.locator('#set-dry-run').isChecked()).toBe(true);
    await shot('12-settings-read-only');
    // Only the refusals this test provoked: the wrong token, and the read token's settings change.
    expect(failedResponses.filter((r) => !/^401 /.test(r))).toEqual(['403 PATCH /api/settings']);
    expect(consoleErrors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
  });
});
