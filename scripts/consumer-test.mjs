#!/usr/bin/env node
/**
 * The package as a user meets it: `npm pack`, install the tarball into a fresh project, and
 * from there import the root, run the CLI through `npx`, run a worker pool (its worker file
 * must resolve from node_modules), open and close a LevelDB block store, execute a block,
 * and type-check a TypeScript file against the published .d.ts under --strict with
 * moduleResolution nodenext. A file missing from `files` fails one of these.
 *
 *   node scripts/consumer-test.mjs [--node <path to a node binary>]
 *
 * Prints one line per check and ends with "N passed, N failed"; exits 1 if any failed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeArg = process.argv.indexOf('--node');
const node = nodeArg === -1 ? process.execPath : process.argv[nodeArg + 1];
const work = mkdtempSync(join(tmpdir(), 'consortium-ledger-consumer-'));
const app = join(work, 'app');
let passed = 0;
let failed = 0;

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function check(name, fn) {
  try {
    const detail = fn();
    passed++;
    console.log(`  ok    ${name}${detail ? ` — ${detail}` : ''}`);
  } catch (error) {
    failed++;
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n      ');
    console.log(`  FAIL  ${name}: ${error.message.split('\n')[0]}${output ? `\n      ${output}` : ''}`);
  }
}

console.log(`consumer test with ${run(node, ['--version']).trim()} in ${work}`);
let tarball;
check('npm pack', () => {
  run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root });
  tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz')));
  return tarball;
});

check('install the tarball into a fresh project', () => {
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const typescript = JSON.parse(run('node', ['-p', "JSON.stringify(require('typescript/package.json').version)"], { cwd: root }));
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `typescript@${typescript}`, '@types/node@20'],
    { cwd: app },
  );
  return `typescript ${typescript}`;
});

const program = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlockStore, CryptoPool, Ledger, SyntheticConsortium, ed25519GenerateKeyPair, ed25519Sign, sha256,
  verifyChain, wasmBuild,
} from 'consortium-ledger';

const digest = Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex');
if (digest !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') throw new Error('sha256');
const key = ed25519GenerateKeyPair();
const items = Array.from({ length: 64 }, (_, i) => {
  const message = new TextEncoder().encode('m' + i);
  return { publicKey: key.publicKey, message, signature: ed25519Sign(key.secretKey, message) };
});
const pool = new CryptoPool({ threads: 2, minThreads: 2 });
const verdicts = await pool.verifyBatch([...items, ...items, ...items, ...items]);
if (!verdicts.every(Boolean)) throw new Error('pool verdicts');
const dir = mkdtempSync(join(tmpdir(), 'consumer-store-'));
const store = await BlockStore.open(dir);
const consortium = new SyntheticConsortium(3);
const ledger = Ledger.fromGenesis(consortium.genesis, { crypto: pool });
const genesis = await ledger.genesisBlock();
await store.initialize(genesis.genesisBytes, { ...genesis.executed, block: genesis.block });
const proposed = await ledger.propose(consortium.nextTransactions(50), {
  previousHash: genesis.block.hash, timestampMs: consortium.genesis.timestampMs + 1000,
  proposer: consortium.members[0].publicKey,
});
await store.append({ ...proposed.executed, block: proposed.block });
ledger.commit(proposed.executed);
const report = await verifyChain(store, { crypto: pool });
await store.close();
await pool.close();
rmSync(dir, { recursive: true, force: true });
if (!report.ok) throw new Error('verify-chain: ' + report.problem);
console.log('wasm ' + wasmBuild + ', pool verified ' + verdicts.length + ', chain ' + report.height + ' blocks ok');
`;
check('import the root; pool, store, ledger and verify-chain from node_modules', () => {
  writeFileSync(join(app, 'use.mjs'), program);
  return run(node, ['use.mjs'], { cwd: app }).trim();
});

check('npx consortium-ledger (the bin)', () => {
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
  const version = run('npx', ['--no-install', 'consortium-ledger', '--version'], { cwd: app, env }).trim();
  writeFileSync(join(app, 'leaf.txt'), 'abc');
  const hash = run('npx', ['--no-install', 'consortium-ledger', 'hash', 'leaf.txt'], { cwd: app, env }).trim();
  if (!hash.startsWith('ba7816bf')) throw new Error(`hash printed ${hash}`);
  const data = join(app, 'data');
  run('npx', ['--no-install', 'consortium-ledger', 'generate', '--data', data, '--blocks', '2', '--txs-per-block', '20'], {
    cwd: app,
    env,
  });
  const verified = JSON.parse(run('npx', ['--no-install', 'consortium-ledger', 'verify-chain', data, '--json'], { cwd: app, env }));
  if (!verified.ok || verified.height !== 2) throw new Error(`verify-chain printed ${JSON.stringify(verified)}`);
  return `version ${version}, generate + verify-chain ok`;
});

check('type-check against the published .d.ts (--strict, nodenext)', () => {
  writeFileSync(
    join(app, 'consumer.ts'),
    `import { BlockStore, type ChainReport, CryptoPool, type DecodedBlock, Ledger, type Operation, verifyStateProof, stateKeys } from 'consortium-ledger';
export async function audit(dir: string): Promise<ChainReport> {
  const store: BlockStore = await BlockStore.open(dir, { create: false });
  const pool = new CryptoPool({ threads: 1 });
  const { verifyChain } = await import('consortium-ledger');
  try { return await verifyChain(store, { crypto: pool }); } finally { await pool.close(); await store.close(); }
}
export function prove(ledger: Ledger, key: Uint8Array): boolean {
  const { value, proof, stateRoot } = ledger.proveState(stateKeys.account(key));
  return verifyStateProof(stateRoot, stateKeys.account(key), value, proof);
}
export const op: Operation = { type: 'transfer', to: new Uint8Array(32), amount: 1 };
export const heightOf = (block: DecodedBlock): number => block.header.height;
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', noEmit: true, types: ['node'] },
      files: ['consumer.ts'],
    }),
  );
  run(node, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
  return 'tsc clean';
});

rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
