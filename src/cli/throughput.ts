/**
 * The hashing throughput job (`consortium-ledger start` until the demo consortium lands):
 * builds RFC 9162 trees over random leaves with the wasm core and with `node:crypto` one hash
 * per node, checks that both give the same root, proves and verifies a sample of leaves, and
 * reports the rates side by side. Real work end to end, not a placeholder.
 */
import { hash as nodeHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { assert } from '../assert.js';
import { MerkleTree, merkleRoot, verifyMerkleInclusion } from '../index.js';
import { Prng } from '../prng.js';

export interface ThroughputOptions {
  /** log2 of the number of leaves per tree. */
  leavesLog2: number;
  /** Trees to build with each implementation. */
  rounds: number;
  /** Inclusion proofs to generate and verify per round. */
  proofs: number;
  /** Show a progress bar (off when output is not a terminal). */
  progress: boolean;
  /** Seed of the leaves (a `Prng` stream), so a run can be replayed; random leaves when absent. */
  seed?: number;
}

export interface ThroughputReport {
  leaves: number;
  hashesPerTree: number;
  oursHashesPerSec: number;
  nodeCryptoHashesPerSec: number;
  ratio: number;
  proofsVerified: number;
  /** Each round's root (identical for both implementations, or the run throws). */
  roots: Uint8Array[];
}

/**
 * The RFC 9162 root with one node:crypto call per leaf and per node, reusing a 33- and a
 * 65-byte buffer: the best a caller of a one-message hash API can do. For the 32-byte leaves
 * this job makes only (bench/merkle-reference.ts holds the general form the benchmarks use).
 */
function nodeCryptoRootOf32ByteLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  const leafBuffer = new Uint8Array(33);
  const nodeBuffer = new Uint8Array(65);
  nodeBuffer[0] = 1;
  let level: Uint8Array[] = leaves.map((leaf) => {
    assert(leaf.length === 32, `throughput: expected 32-byte leaves, got ${leaf.length} bytes`);
    leafBuffer.set(leaf, 1);
    return nodeHash('sha256', leafBuffer, 'buffer');
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      nodeBuffer.set(level[i] as Uint8Array, 1);
      nodeBuffer.set(level[i + 1] as Uint8Array, 33);
      next.push(nodeHash('sha256', nodeBuffer, 'buffer'));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return level[0] as Uint8Array;
}

export function runThroughput(options: ThroughputOptions): ThroughputReport {
  const count = 2 ** options.leavesLog2;
  const hashesPerTree = 2 * count - 1;
  const bar = options.progress
    ? new cliProgress.SingleBar(
        { format: '  {bar} {value}/{total} trees | {phase}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(options.rounds * 2, 0, { phase: 'starting' });
  let oursMs = 0;
  let nodeMs = 0;
  let proofsVerified = 0;
  const roots: Uint8Array[] = [];
  const prng = options.seed === undefined ? undefined : new Prng(options.seed);
  for (let round = 0; round < options.rounds; round++) {
    const bytes = prng === undefined ? randomBytes(32 * count) : prng.bytes(32 * count);
    const leaves = Array.from({ length: count }, (_, i) => bytes.subarray(32 * i, 32 * i + 32));
    let start = performance.now();
    const ours = merkleRoot(leaves);
    oursMs += performance.now() - start;
    bar?.increment(1, { phase: `consortium-ledger root ${Buffer.from(ours).toString('hex').slice(0, 16)}…` });
    start = performance.now();
    const reference = nodeCryptoRootOf32ByteLeaves(leaves);
    nodeMs += performance.now() - start;
    bar?.increment(1, { phase: 'node:crypto root' });
    if (Buffer.compare(Buffer.from(ours), Buffer.from(reference)) !== 0) {
      bar?.stop();
      throw new Error(`root mismatch in round ${round}: wasm and node:crypto disagree`);
    }
    roots.push(ours);
    const tree = MerkleTree.fromLeaves(leaves);
    for (let p = 0; p < options.proofs; p++) {
      const index = (p * 2654435761 + round) % count;
      if (!verifyMerkleInclusion(leaves[index] as Uint8Array, tree.inclusionProof(index), ours)) {
        bar?.stop();
        throw new Error(`inclusion proof for leaf ${index} failed to verify`);
      }
      proofsVerified++;
    }
  }
  bar?.stop();
  const oursHashesPerSec = (hashesPerTree * options.rounds * 1000) / oursMs;
  const nodeCryptoHashesPerSec = (hashesPerTree * options.rounds * 1000) / nodeMs;
  return {
    leaves: count,
    hashesPerTree,
    oursHashesPerSec,
    nodeCryptoHashesPerSec,
    ratio: oursHashesPerSec / nodeCryptoHashesPerSec,
    proofsVerified,
    roots,
  };
}
