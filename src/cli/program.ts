/**
 * The `consortium-ledger` command.
 *
 *   consortium-ledger start                    the main job (today: the hashing throughput run)
 *   consortium-ledger hash [files…]            SHA-256 of files (or stdin), like sha256sum
 *   consortium-ledger merkle root <files…>     RFC 9162 root with each file as one leaf
 *   consortium-ledger merkle prove -i N <files…>   inclusion proof (JSON) for leaf N
 *   consortium-ledger merkle verify --leaf F --proof P --root HEX
 *
 * Exit codes: 0 success, 1 a check failed (a proof that does not verify), 2 bad usage/input.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConsortiumLedgerError } from '../errors.js';
import { type MerkleInclusionProof, MerkleTree, merkleRoot, sha256, verifyMerkleInclusion } from '../index.js';
import { hex, parseCount, parseHash, readInput, UsageError } from './args.js';
import { addChainCommands } from './chain.js';
import { runThroughput } from './throughput.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function parseProof(path: string): MerkleInclusionProof {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(readInput(path)).toString('utf8'));
  } catch (cause) {
    if (cause instanceof UsageError) throw cause;
    throw new UsageError(`proof file ${path} is not JSON: ${(cause as Error).message}`);
  }
  const proof = raw as { leafIndex?: unknown; treeSize?: unknown; path?: unknown };
  if (typeof proof !== 'object' || proof === null || !Array.isArray(proof.path)) {
    throw new UsageError(`proof file ${path} must hold { leafIndex, treeSize, path: [hex…] }`);
  }
  if (!Number.isSafeInteger(proof.leafIndex) || !Number.isSafeInteger(proof.treeSize)) {
    throw new UsageError(`proof file ${path}: leafIndex and treeSize must be integers`);
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

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('consortium-ledger')
    .description('Ledger engine for consortium chains in supply-chain finance')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('start')
    .description('run the main job: today the hashing throughput run (wasm vs node:crypto, RFC 9162 roots and proofs)')
    .option('--leaves-log2 <n>', 'log2 of leaves per tree', parseCount('--leaves-log2', 1, 24), 20)
    .option('--rounds <n>', 'trees per implementation', parseCount('--rounds', 1, 1000), 3)
    .option('--proofs <n>', 'inclusion proofs verified per tree', parseCount('--proofs', 0, 1_000_000), 1000)
    .option('--no-progress', 'no progress bar')
    .action((options: { leavesLog2: number; rounds: number; proofs: number; progress: boolean }) => {
      console.log(
        `consortium-ledger ${packageJson.version}: RFC 9162 Merkle roots of 2^${options.leavesLog2} leaves, ${options.rounds} rounds`,
      );
      const report = runThroughput({ ...options, progress: options.progress && process.stderr.isTTY === true });
      const mega = (rate: number): string => `${(rate / 1e6).toFixed(2)} M hashes/s`;
      console.log(`  consortium-ledger (wasm SIMD)   ${mega(report.oursHashesPerSec)}`);
      console.log(`  node:crypto, one call per node  ${mega(report.nodeCryptoHashesPerSec)}`);
      console.log(`  ratio                           ${report.ratio.toFixed(2)}×  (roots identical in every round)`);
      console.log(`  inclusion proofs verified       ${report.proofsVerified}`);
    });

  program
    .command('hash')
    .description('SHA-256 of each file (or stdin when none or "-"), printed as sha256sum does')
    .argument('[files...]', 'files to hash')
    .action((files: string[]) => {
      const inputs = files.length === 0 ? ['-'] : files;
      for (const file of inputs) console.log(`${hex(sha256(readInput(file)))}  ${file}`);
    });

  const merkle = program.command('merkle').description('RFC 9162 Merkle trees over files (one file = one leaf)');
  merkle
    .command('root')
    .argument('<files...>', 'leaf files, in order')
    .action((files: string[]) => {
      console.log(hex(merkleRoot(files.map(readInput))));
    });
  merkle
    .command('prove')
    .requiredOption('-i, --index <n>', 'leaf index (0-based)', parseCount('--index', 0, Number.MAX_SAFE_INTEGER))
    .argument('<files...>', 'leaf files, in order')
    .action((files: string[], options: { index: number }) => {
      if (options.index >= files.length)
        throw new UsageError(`--index ${options.index} is outside a tree of ${files.length} leaves`);
      const tree = MerkleTree.fromLeaves(files.map(readInput));
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
    .action((options: { leaf: string; proof: string; root: string }) => {
      const ok = verifyMerkleInclusion(
        readInput(options.leaf),
        parseProof(options.proof),
        parseHash('--root', options.root),
      );
      console.log(ok ? 'verified' : 'NOT verified');
      if (!ok) process.exitCode = 1;
    });
  addChainCommands(program);
  return program;
}

/** Operating errors that mean "you pointed me at the wrong thing": exit code 2, no stack. */
const usageCodes = new Set(['STORE_NOT_A_STORE', 'STORE_LOCKED', 'STORE_CORRUPT', 'DECODE', 'STATE_ROOT_MISMATCH']);

/** Runs the command line `argv` (as process.argv: node, script, args…); sets process.exitCode. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message; --help and --version exit 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (
      error instanceof UsageError ||
      error instanceof RangeError ||
      error instanceof TypeError ||
      (error instanceof ConsortiumLedgerError && usageCodes.has(error.code))
    ) {
      process.stderr.write(`consortium-ledger: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
