#!/usr/bin/env node
/**
 * Bundles `consortium-ledger/verify` for browsers (esbuild, platform 'browser', no Node
 * polyfills: a Node built-in anywhere in its import graph fails the build) and the auditor's
 * page, into dist/verify/:
 *
 *   consortium-ledger-verify.js   the verifier as one ES module (minified), for a site to import
 *   release.wasm                  the wasm it loads: initVerifier({ wasm: new URL('release.wasm', import.meta.url) })
 *   verify.html                   the page (web/verify.html): one self-contained file, the verifier
 *                                 and the wasm inlined, that works opened from disk with no network
 *
 *   node scripts/build-verify.mjs      (npm run build:verify; part of npm run build)
 *
 * test/verify/ imports these functions, so the tests bundle exactly what ships.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The entry of the browser verifier. */
export const verifierEntry = join(root, 'src/verify/index.ts');

/**
 * Bundles a browser entry (default: the verifier) in memory.
 * @param {{ entry?: string, format?: 'esm' | 'iife', minify?: boolean }} [options]
 * @returns {Promise<{ code: string, inputs: string[] }>} the bundle and the source files in it (paths relative to the repository)
 */
export async function bundleForBrowser(options = {}) {
  const result = await build({
    entryPoints: [options.entry ?? verifierEntry],
    bundle: true,
    platform: 'browser',
    format: options.format ?? 'esm',
    target: ['es2022'],
    minify: options.minify ?? true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild produced no output');
  return { code: output.text, inputs: Object.keys(result.metafile.inputs) };
}

/** The release wasm's bytes (built by `npm run build:wasm`). */
export function releaseWasm() {
  return readFileSync(join(root, 'build/release.wasm'));
}

/**
 * The auditor's page: web/verify.html with the page script (web/verify-page.ts, which imports
 * the verifier) and the wasm (base64) inlined.
 * @returns {Promise<string>}
 */
export async function buildVerifyPage() {
  const template = readFileSync(join(root, 'web/verify.html'), 'utf8');
  const { code } = await bundleForBrowser({ entry: join(root, 'web/verify-page.ts'), format: 'iife' });
  // An inline script ends at the first "</script", wherever it appears.
  const script = code.replaceAll('</script', '<\\/script');
  const pieces = template.split('<!--verifier-script-->');
  if (pieces.length !== 2 || !template.includes('<!--verifier-wasm-->')) {
    throw new Error('web/verify.html must hold <!--verifier-script--> and <!--verifier-wasm--> once each');
  }
  return (pieces[0] + script + pieces[1]).replace('<!--verifier-wasm-->', releaseWasm().toString('base64'));
}

async function main() {
  const out = join(root, 'dist/verify');
  mkdirSync(out, { recursive: true });
  const { code } = await bundleForBrowser();
  writeFileSync(join(out, 'consortium-ledger-verify.js'), code);
  writeFileSync(join(out, 'release.wasm'), releaseWasm());
  const page = await buildVerifyPage();
  writeFileSync(join(out, 'verify.html'), page);
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `dist/verify: consortium-ledger-verify.js ${kib(Buffer.byteLength(code))}, release.wasm ${kib(releaseWasm().length)}, verify.html ${kib(Buffer.byteLength(page))}`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
