/**
 * consortium-ledger/verify in a real browser: the verifier bundled by esbuild for the browser
 * (scripts/build-verify.mjs, as `npm run build:verify` ships it), served from 127.0.0.1, run in
 * headless Chromium (Debian's `chromium`, driven by playwright-core, which downloads no
 * browser). The wasm is fetched from a URL, as a site would load it. Every case of the Node
 * test (valid evidence, each kind of tampering, a certificate short of a quorum, a signer not
 * in the genesis, state present, absent and tampered) must get the same verdict in the
 * browser as in Node. Then the auditor's page (dist/verify/verify.html), opened from disk,
 * must show the verdict of pasted evidence.
 *
 * Skipped, with a message, only when no Chromium is installed (.ci/run installs Debian's).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVerifyPage, bundleForBrowser } from '../../scripts/build-verify.mjs';
import { initVerifier, verifyState, verifyTransaction } from '../../src/verify/index.js';
import { buildEvidenceFixture, type EvidenceCase, type EvidenceFixture, evidenceCases } from './fixture.js';

const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path) => path !== undefined && path !== '' && existsSync(path),
);
if (chromiumPath === undefined) {
  console.warn(
    'test/verify/browser.test.ts: SKIPPED — no Chromium at /usr/bin/chromium (apt-get install -y chromium) or $CHROMIUM_PATH',
  );
}

// The flags the project runs headless Chromium with: no GPU, no background traffic of its own.
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

describe.skipIf(chromiumPath === undefined)('verify in headless Chromium', () => {
  let fixture: EvidenceFixture;
  let cases: EvidenceCase[];
  let server: Server;
  let origin: string;
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    const wasm = readFileSync(new URL('../../build/release.wasm', import.meta.url));
    await initVerifier({ wasm });
    fixture = await buildEvidenceFixture();
    cases = evidenceCases(fixture);
    const { code } = await bundleForBrowser();
    const files: Record<string, [string, string | Buffer]> = {
      // The page imports the bundle as a site would, and hands it to the test as `globalThis.verifier`.
      '/': [
        'text/html',
        `<!doctype html><title>verify test</title><script type="module">
          import * as verifier from './consortium-ledger-verify.js';
          globalThis.verifier = verifier;
        </script>`,
      ],
      '/consortium-ledger-verify.js': ['text/javascript', code],
      '/release.wasm': ['application/wasm', wasm],
    };
    server = createServer((request, response) => {
      const file = files[new URL(request.url ?? '/', 'http://x').pathname];
      if (file === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': file[0] }).end(file[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    work = mkdtempSync(join(tmpdir(), 'consortium-verify-browser-'));
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('every case gets the same verdict in the browser as in Node: valid passes, each tampering fails with its reason', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => 'verifier' in globalThis);
    const inBrowser = await page.evaluate(
      async ({ wasmUrl, checks }) => {
        const verifier = (globalThis as unknown as { verifier: typeof import('../../src/verify/index.js') }).verifier;
        await verifier.initVerifier({ wasm: new URL(wasmUrl) });
        return {
          hasBuffer: 'Buffer' in globalThis,
          hasProcess: 'process' in globalThis,
          verdicts: checks.map((check: { kind: string; evidence: unknown; genesis: unknown }) =>
            check.kind === 'transaction'
              ? verifier.verifyTransaction(check.evidence, check.genesis)
              : verifier.verifyState(check.evidence, check.genesis),
          ),
        };
      },
      {
        wasmUrl: `${origin}/release.wasm`,
        checks: cases.map(({ kind, evidence, genesis }) => ({ kind, evidence, genesis })),
      },
    );
    expect(errors).toEqual([]);
    // A real browser: no Node globals to lean on.
    expect(inBrowser).toMatchObject({ hasBuffer: false, hasProcess: false });
    cases.forEach((c, i) => {
      const verdict = inBrowser.verdicts[i] as NonNullable<(typeof inBrowser.verdicts)[number]>;
      expect({ name: c.name, reason: verdict.ok ? undefined : verdict.reason }).toEqual({
        name: c.name,
        reason: c.reason,
      });
      const inNode =
        c.kind === 'transaction' ? verifyTransaction(c.evidence, c.genesis) : verifyState(c.evidence, c.genesis);
      expect({ name: c.name, verdict }).toEqual({ name: c.name, verdict: inNode });
    });
    await page.close();
  }, 60_000);

  it('the auditor’s page, opened from disk with no network, shows the verdict of pasted evidence', async () => {
    const pagePath = join(work, 'verify.html');
    writeFileSync(pagePath, await buildVerifyPage());
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(pagePath).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const genesis = JSON.stringify(fixture.genesis, null, 2);
    const panel = page.locator('#verdict');
    const show = async (evidence: unknown) => {
      await page.fill('#genesis', genesis);
      await page.fill('#evidence', typeof evidence === 'string' ? evidence : JSON.stringify(evidence, null, 2));
      await page.click('#verify');
      return {
        state: await panel.getAttribute('data-state'),
        reason: (await panel.getAttribute('data-reason')) ?? undefined,
        text: (await panel.textContent()) ?? '',
      };
    };
    const valid = await show(fixture.tx);
    expect(valid.state).toBe('ok');
    expect(valid.text).toContain(fixture.tx.txId as string);
    expect(valid.text).toContain('applied');
    for (const c of cases.filter((c) => c.reason !== undefined && c.genesis === fixture.genesis).slice(0, 8)) {
      const shown = await show(c.evidence);
      expect({ name: c.name, state: shown.state, reason: shown.reason }).toEqual({
        name: c.name,
        state: 'failed',
        reason: c.reason,
      });
    }
    const absent = await show(fixture.absent);
    expect(absent).toMatchObject({ state: 'ok' });
    expect(absent.text).toContain('absent');
    expect(await show('{ not json')).toMatchObject({ state: 'failed', reason: 'malformed-evidence' });
    await page.screenshot({ path: join(work, 'verify.png'), fullPage: true });
    expect(errors).toEqual([]);
    // The page loads nothing beyond itself.
    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    await page.close();
  }, 60_000);
});
