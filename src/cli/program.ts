/**
 * The `consortium-ledger` command.
 *
 *   consortium-ledger demo                     the demo consortium (`npm start`)
 *   consortium-ledger start                    the hashing throughput run
 *   consortium-ledger hash [files…]            SHA-256 of files (or stdin), like sha256sum
 *   consortium-ledger merkle root <files…>     RFC 9162 root with each file as one leaf
 *   consortium-ledger merkle prove -i N <files…>   inclusion proof (JSON) for leaf N
 *   consortium-ledger merkle verify --leaf F --proof P --root HEX
 *   consortium-ledger bench e2e [--json]       end-to-end throughput of one node with 3 peers (src/cli/e2e.ts)
 *   consortium-ledger sim --nodes N …           the deterministic consortium simulator (sim/cli.ts)
 *
 * Exit codes (README, "Command line"): 0 success; 1 a check failed (a proof or chain that does
 * not verify, a thing asked for that is not there, a damaged store) or the machine refused (a
 * full disk), or a bug; 2 bad usage or input (a bad flag, a path that is not a store, a store in
 * use). A failure prints one line naming its cause; `--debug` adds the stack; under `--json` it
 * prints `{ ok: false, error: { code, message } }` too.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addSimCommand } from '../../sim/cli.js';
import { ConsortiumLedgerError } from '../errors.js';
import { type MerkleInclusionProof, MerkleTree, merkleRoot, verifyMerkleInclusion } from '../index.js';
import { packageRoot } from '../package-root.js';
import { StoreLossError } from '../store/errors.js';
import { hex, parseCount, parseHash, readInput, readLeaves, UsageError } from './args.js';
import { addChainCommands } from './chain.js';
import { printDemoReport, runDemo } from './demo.js';
import { addE2eCommand } from './e2e.js';
import { sha256OfInput, sha256sumLine } from './sha256sum.js';
import { runThroughput } from './throughput.js';

const packageJson = JSON.parse(readFileSync(new URL('package.json', packageRoot(import.meta.url)), 'utf8')) as {
  version: string;
};

/** Largest proof file `merkle verify` reads (a proof of 64 hashes in JSON is ~5 KiB). */
const proofFileBytesMax = 1 << 20;

async function parseProof(path: string): Promise<MerkleInclusionProof> {
  const text = Buffer.from(await readInput(path, proofFileBytesMax, 'a proof file')).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`proof file ${path} is not JSON: ${(cause as Error).message}`);
  }
  const proof = raw as { leafIndex?: unknown; treeSize?: unknown; path?: unknown };
  if (typeof proof !== 'object' || proof === null || !Array.isArray(proof.path)) {
    throw new UsageError(`proof file ${path} must hold { leafIndex, treeSize, path: [hex…] }`);
  }
  const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  if (!isCount(proof.leafIndex) || !isCount(proof.treeSize)) {
    throw new UsageError(`proof file ${path}: leafIndex and treeSize must be integers ≥ 0`);
  }
  return {
    leafIndex: proof.leafIndex as number,
    treeSize: proof.treeSize as number,
    path: proof.path.map((node, i) => {
      if (typeof node !== 'string') throw new UsageError(`proof file ${path}: path[${i}] must be a hex string`);
      return parseHash(`path[${i}]`, node);
    }),
  };
}

/**
 * The command, its subcommands added. `writeErr` receives what commander prints (usage
 * errors, help on stderr).
 */
export function buildProgram(writeErr: (text: string) => void = (text) => process.stderr.write(text)): Command {
  const program = new Command();
  program
    .name('consortium-ledger')
    .description('Ledger engine for consortium chains in supply-chain finance')
    .version(packageJson.version)
    .option('--debug', `print the stack of a failure (or set ${debugVariable}=1)`)
    .exitOverride()
    .configureOutput({ writeErr });

  program
    .command('start')
    .description('run the main job: today the hashing throughput run (wasm vs node:crypto, RFC 9162 roots and proofs)')
    .option('--leaves-log2 <n>', 'log2 of leaves per tree', parseCount('--leaves-log2', 1, 24), 20)
    .option('--rounds <n>', 'trees per implementation', parseCount('--rounds', 1, 1000), 3)
    .option('--proofs <n>', 'inclusion proofs verified per tree', parseCount('--proofs', 0, 1_000_000), 1000)
    .option(
      '--seed <n>',
      'seed of the leaves, to replay a run (default: random leaves)',
      parseCount('--seed', 0, 2 ** 32 - 1),
    )
    .option('--no-progress', 'no progress bar')
    .action((options: { leavesLog2: number; rounds: number; proofs: number; progress: boolean; seed?: number }) => {
      console.log(
        `consortium-ledger ${packageJson.version}: RFC 9162 Merkle roots of 2^${options.leavesLog2} leaves, ${options.rounds} rounds`,
      );
      const report = runThroughput({ ...options, progress: options.progress && process.stderr.isTTY === true });
      const mega = (rate: number): string => `${(rate / 1e6).toFixed(2)} M hashes/s`;
      console.log(`  consortium-ledger (wasm SIMD)   ${mega(report.oursHashesPerSec)}`);
      console.log(`  node:crypto, one call per node  ${mega(report.nodeCryptoHashesPerSec)}`);
      console.log(`  ratio                           ${report.ratio.toFixed(2)}×  (roots identical in every round)`);
      console.log(`  inclusion proofs verified       ${report.proofsVerified}`);
      console.log(`  root of the last tree           ${hex(report.roots[report.roots.length - 1] as Uint8Array)}`);
    });

  program
    .command('hash')
    .description('SHA-256 of each file (or stdin when none or "-"), printed as sha256sum does')
    .argument('[files...]', 'files to hash')
    .action(async (files: string[]) => {
      const inputs = files.length === 0 ? ['-'] : files;
      for (const file of inputs) console.log(sha256sumLine(hex(await sha256OfInput(file)), file));
    });

  const merkle = program.command('merkle').description('RFC 9162 Merkle trees over files (one file = one leaf)');
  merkle
    .command('root')
    .argument('<files...>', 'leaf files, in order')
    .action(async (files: string[]) => {
      console.log(hex(merkleRoot(await readLeaves(files))));
    });
  merkle
    .command('prove')
    .requiredOption('-i, --index <n>', 'leaf index (0-based)', parseCount('--index', 0, Number.MAX_SAFE_INTEGER))
    .argument('<files...>', 'leaf files, in order')
    .action(async (files: string[], options: { index: number }) => {
      if (options.index >= files.length)
        throw new UsageError(`--index ${options.index} is outside a tree of ${files.length} leaves`);
      const tree = MerkleTree.fromLeaves(await readLeaves(files));
      const proof = tree.inclusionProof(options.index);
      console.log(
        JSON.stringify(
          { leafIndex: proof.leafIndex, treeSize: proof.treeSize, root: hex(tree.root), path: proof.path.map(hex) },
          null,
          2,
        ),
      );
    });
  merkle
    .command('verify')
    .requiredOption('--leaf <file>', 'the leaf data')
    .requiredOption('--proof <file>', 'proof JSON from `merkle prove`')
    .requiredOption('--root <hex>', 'the trusted root (64 hex digits)')
    .action(async (options: { leaf: string; proof: string; root: string }) => {
      const root = parseHash('--root', options.root);
      const [leaf] = await readLeaves([options.leaf]);
      const ok = verifyMerkleInclusion(leaf as Uint8Array, await parseProof(options.proof), root);
      console.log(ok ? 'verified' : 'NOT verified');
      if (!ok) process.exitCode = 1;
    });
  addChainCommands(program);
  program
    .command('demo')
    .description(
      'the demo consortium: a bank, a supplier, logistics and a regulator tell a supply-chain-finance story, then a load phase and a report',
    )
    .option('--data <dir>', 'where the four stores live', './data')
    .option('--txs <n>', 'transactions in the load phase', parseCount('--txs', 0, 10_000_000), 5000)
    .option('--threads <n>', 'crypto pool threads (default: all cores)', parseCount('--threads', 1, 256))
    .option('--json', 'print one JSON object')
    .option('--no-progress', 'no progress bar')
    .action(async (options: { data: string; txs: number; threads?: number; json?: boolean; progress: boolean }) => {
      const json = options.json === true;
      const report = await runDemo({
        dataDir: options.data,
        txs: options.txs,
        progress: options.progress && !json && process.stderr.isTTY === true,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        log: json ? () => undefined : (line) => console.log(line),
      });
      if (json) console.log(JSON.stringify(report, null, 2));
      else printDemoReport(report);
      const ok =
        report.audit === 'ok' &&
        report.proof.verified &&
        report.verifyChain.every((check) => check.ok) &&
        report.nodes.every((node) => node.headHash === report.nodes[0]?.headHash);
      if (!ok) process.exitCode = 1;
    });
  addE2eCommand(program.command('bench').description('end-to-end benchmarks'));
  // The simulator sits above the library (sim/); the command is the outermost shell over both.
  addSimCommand(program);
  return program;
}

/**
 * Typed errors that mean "you pointed me at the wrong thing": exit code 2. Everything else that
 * fails is exit code 1: a check that fails, a damaged store (`STORE_CORRUPT`,
 * `STATE_ROOT_MISMATCH`), the machine refusing (`STORE_WRITE` on a full disk, `STORE_IO`), a bug.
 */
const usageCodes = new Set(['STORE_NOT_A_STORE', 'STORE_LOCKED', 'DECODE']);

/**
 * Whether `error` is the user's doing, exit code 2: the command line's own validation
 * (`UsageError`: a bad number, a file that cannot be read or is over a limit) or a typed
 * operating error that says the input is wrong (a directory that is not a store, one another
 * process has open, bytes that do not decode). A `TypeError` or `RangeError` is not: the
 * commands check what they pass on, so one reaching here is a bug (exit 1, and it says so).
 */
export function isUsageError(error: unknown): error is Error {
  return error instanceof UsageError || (error instanceof ConsortiumLedgerError && usageCodes.has(error.code));
}

/** The exit code of a command that failed with `error` (README, "Command line": the exit-code table). */
export function exitCodeOf(error: unknown): 1 | 2 {
  return isUsageError(error) ? 2 : 1;
}

/** Whether `error` is an operating error the commands expect (typed), as opposed to a bug. */
function isExpected(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof ConsortiumLedgerError;
}

/** The one line a failure prints (after `consortium-ledger: `): the typed error's message, or what the bug was. */
export function failureLine(error: unknown): string {
  if (isExpected(error)) return error.message;
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `internal error (a bug, please report it): ${name}: ${message} (--debug or ${debugVariable}=1 prints its stack)`;
}

/** What a failure prints under `--json`: `{ ok: false, error: { code, name, message, … } }`. */
export function failureJson(error: unknown): { ok: false; error: Record<string, unknown> } {
  const code = error instanceof ConsortiumLedgerError ? error.code : error instanceof UsageError ? 'USAGE' : 'INTERNAL';
  const details: Record<string, unknown> = {};
  if (error instanceof StoreLossError) {
    details.location = error.location;
    details.lostHeights = error.lostHeights;
    details.batchesLost = error.batchesLost;
  }
  return {
    ok: false,
    error: {
      code,
      name: error instanceof Error ? error.name : typeof error,
      message: failureLine(error),
      ...details,
    },
  };
}

/** The environment variable that asks for stacks, as `--debug` does. */
export const debugVariable = 'CONSORTIUM_LEDGER_DEBUG';

/** The flags before `--` in `argv`. */
function flagsOf(argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
}

function stackOf(error: unknown): string {
  let text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 8; depth++) {
    text += `\ncaused by: ${cause instanceof Error ? (cause.stack ?? String(cause)) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/**
 * Runs the command line `argv` (as process.argv: node, script, args…); sets process.exitCode.
 * Never throws: every failure is one line on stderr naming its cause (`--json`: one JSON
 * object on stdout too), with the exit code of {@link exitCodeOf}; `--debug` (or
 * `CONSORTIUM_LEDGER_DEBUG=1`) adds the stack.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const flags = flagsOf(argv);
  const json = flags.includes('--json');
  const variable = process.env[debugVariable];
  const debug = flags.includes('--debug') || (variable !== undefined && variable !== '' && variable !== '0');
  let commanderPrinted = false;
  try {
    await buildProgram((text) => {
      commanderPrinted = true;
      process.stderr.write(text);
    }).parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0. A bad flag: commander printed its message (unless the
      // error was thrown from an action, which commander does not print).
      if (error.exitCode === 0) {
        process.exitCode = 0;
        return;
      }
      if (!commanderPrinted) process.stderr.write(`consortium-ledger: ${error.message}\n`);
      if (json)
        console.log(
          JSON.stringify({ ok: false, error: { code: 'USAGE', name: 'UsageError', message: error.message } }, null, 2),
        );
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`consortium-ledger: ${failureLine(error)}\n`);
    if (debug) process.stderr.write(`${stackOf(error)}\n`);
    if (json) console.log(JSON.stringify(failureJson(error), null, 2));
    process.exitCode = exitCodeOf(error);
  }
}
