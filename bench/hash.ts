/**
 * `npm run bench -- hash`: SHA-256 one by one and many at once, RFC 6962 roots, first-call
 * time — ours beside node:crypto, hash-wasm, @noble/hashes, @chainsafe/as-sha256 and
 * @chainsafe/hashtree (native SHA-NI, the hardware line) in the same run.
 */
import { execFileSync } from 'node:child_process';
import { hash as nodeHash, randomBytes } from 'node:crypto';
import * as asSha256 from '@chainsafe/as-sha256';
import * as hashtree from '@chainsafe/hashtree';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256 } from 'hash-wasm';
import { rootFromInclusionPath } from '../src/crypto/merkle.js';
import { sha256WasmOnly } from '../src/crypto/sha256.js';
import {
  type MerkleInclusionProof,
  MerkleTree,
  merkleRoot,
  sha256,
  sha256Many,
  sha256ManyPacked,
  verifyMerkleInclusion,
} from '../src/index.js';
import { type BenchTable, type BenchTask, measure, oursName } from './common.js';
import { merkleRootOneCallPerNode } from './merkle-reference.js';

const hashWasm = await createSHA256();
const hashWasmDigest = (data: Uint8Array): Uint8Array => {
  hashWasm.init();
  hashWasm.update(data);
  return hashWasm.digest('binary');
};
const nodeDigest = (data: Uint8Array): Uint8Array => nodeHash('sha256', data, 'buffer');

/** SSZ-style binary tree of 64-byte nodes (no domain bytes, power of two): hardware line only. */
function sszRoot(leaves: Uint8Array, hashLevel: (input: Uint8Array, output: Uint8Array) => void): Uint8Array {
  let level = leaves;
  while (level.length > 32) {
    const next = new Uint8Array(level.length / 2);
    hashLevel(level, next);
    level = next;
  }
  return level;
}

/** RFC 9162 §2.1.3.2 inclusion verification with node:crypto: our walk, their hash. */
export function nodeVerifyInclusion(leaf: Uint8Array, proof: MerkleInclusionProof, root: Uint8Array): boolean {
  const leafHash = nodeDigest(Buffer.concat([Uint8Array.of(0), leaf]));
  const hashChildren = (left: Uint8Array, right: Uint8Array): Uint8Array =>
    nodeDigest(Buffer.concat([Uint8Array.of(1), left, right]));
  const computed = rootFromInclusionPath(leafHash, proof.leafIndex, proof.treeSize, proof.path, hashChildren);
  return computed !== undefined && Buffer.compare(Buffer.from(computed), Buffer.from(root)) === 0;
}

function firstCallTimes(): string {
  // A fresh process: the only way to see V8's first (Liftoff) call after a warm bench.
  const script = new URL('./first-call.ts', import.meta.url).pathname;
  return execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' }).trim();
}

export async function run(): Promise<BenchTable> {
  const tasks: BenchTask[] = [];
  const sizes: Array<[string, number, number]> = [
    ['64 B', 64, 1024],
    ['256 B', 256, 1024],
    ['1 KiB', 1024, 1024],
    ['1 MiB', 1 << 20, 16],
  ];
  for (const [label, bytes, batch] of sizes) {
    const message = randomBytes(bytes);
    const one = `sha256 ${label} one by one`;
    tasks.push({ case: one, impl: oursName, items: 1, unit: 'hash', fn: () => sha256(message), ours: true });
    tasks.push({
      case: one,
      impl: `${oursName} (wasm only)`,
      items: 1,
      unit: 'hash',
      fn: () => sha256WasmOnly(message),
    });
    tasks.push({ case: one, impl: 'node:crypto', items: 1, unit: 'hash', fn: () => nodeDigest(message) });
    tasks.push({ case: one, impl: 'hash-wasm', items: 1, unit: 'hash', fn: () => hashWasmDigest(message) });
    tasks.push({ case: one, impl: '@noble/hashes', items: 1, unit: 'hash', fn: () => nobleSha256(message) });
    tasks.push({ case: one, impl: '@chainsafe/as-sha256', items: 1, unit: 'hash', fn: () => asSha256.digest(message) });

    const messages = Array.from({ length: batch }, () => randomBytes(bytes));
    const many = `sha256 ${label} ×${batch} at once`;
    tasks.push({ case: many, impl: oursName, items: batch, unit: 'hash', fn: () => sha256Many(messages), ours: true });
    tasks.push({
      case: many,
      impl: `${oursName} packed`,
      items: batch,
      unit: 'hash',
      fn: () => sha256ManyPacked(messages),
    });
    tasks.push({
      case: many,
      impl: 'node:crypto (loop)',
      items: batch,
      unit: 'hash',
      fn: () => messages.map(nodeDigest),
    });
    tasks.push({
      case: many,
      impl: 'hash-wasm (loop)',
      items: batch,
      unit: 'hash',
      fn: () => messages.map(hashWasmDigest),
    });
    if (bytes === 64) {
      tasks.push({
        case: many,
        impl: '@chainsafe/as-sha256 batch4',
        items: batch,
        unit: 'hash',
        fn: () => {
          for (let i = 0; i < messages.length; i += 4) asSha256.batchHash4UintArray64s(messages.slice(i, i + 4));
        },
      });
    } else {
      tasks.push({
        case: many,
        impl: '@chainsafe/as-sha256 (loop)',
        items: batch,
        unit: 'hash',
        fn: () => messages.map((m) => asSha256.digest(m)),
      });
    }
  }

  for (const log2 of [10, 16, 20]) {
    const count = 1 << log2;
    // Leaves as views of one buffer, like the digests sha256Many returns (a block's tx hashes).
    const leafBytes = randomBytes(32 * count);
    const leaves = Array.from({ length: count }, (_, i) => leafBytes.subarray(32 * i, 32 * i + 32));
    const hashes = 2 * count - 1;
    const label = `RFC 6962 root, 2^${log2} leaves`;
    const unit = 'hash';
    tasks.push({ case: label, impl: oursName, items: hashes, unit, fn: () => merkleRoot(leaves), ours: true });
    tasks.push({
      case: label,
      impl: 'node:crypto per node',
      items: hashes,
      unit,
      fn: () => merkleRootOneCallPerNode(leaves, nodeDigest),
    });
    tasks.push({
      case: label,
      impl: '@chainsafe/as-sha256 per node',
      items: hashes,
      unit,
      fn: () => merkleRootOneCallPerNode(leaves, asSha256.digest),
    });
    tasks.push({
      case: label,
      impl: 'hash-wasm per node',
      items: hashes,
      unit,
      fn: () => merkleRootOneCallPerNode(leaves, hashWasmDigest),
    });
    if (log2 <= 16) {
      tasks.push({
        case: label,
        impl: '@noble/hashes per node',
        items: hashes,
        unit,
        fn: () => merkleRootOneCallPerNode(leaves, nobleSha256),
      });
    }
    const packed = new Uint8Array(count * 32);
    for (let i = 0; i < count; i++) packed.set(leaves[i] as Uint8Array, i * 32);
    tasks.push({
      case: label,
      impl: '@chainsafe/hashtree (SSZ, SHA-NI)',
      items: count - 1,
      unit,
      fn: () => sszRoot(packed, (input, output) => hashtree.hashInto(input, output)),
      note: 'hardware line: native SHA-NI, 64-byte SSZ nodes (no RFC 6962 domain bytes, no leaf hashing)',
    });
    tasks.push({
      case: label,
      impl: '@chainsafe/as-sha256 hashInto (SSZ)',
      items: count - 1,
      unit,
      fn: () => sszRoot(packed, asSha256.hashInto),
      note: '64-byte SSZ nodes, 4-lane SIMD batch (not RFC 6962)',
    });
  }

  {
    // A regulator's workload: proofs served from one tree and verified, 2^16 leaves.
    const count = 1 << 16;
    const leafBytes = randomBytes(64 * count);
    const leaves = Array.from({ length: count }, (_, i) => leafBytes.subarray(64 * i, 64 * i + 64));
    const tree = MerkleTree.fromLeaves(leaves);
    const root = tree.root;
    const picks = Array.from({ length: 1024 }, (_, i) => (i * 2654435761) % count);
    const proofs = picks.map((i) => tree.inclusionProof(i));
    tasks.push({
      case: 'inclusion proofs, 2^16 tree',
      impl: `${oursName} MerkleTree.inclusionProof`,
      items: picks.length,
      unit: 'proof',
      fn: () => picks.map((i) => tree.inclusionProof(i)),
      note: 'served from the stored levels, no rehashing',
    });
    const verifyCase = 'verify inclusion proofs, 2^16 tree';
    tasks.push({
      case: verifyCase,
      impl: oursName,
      items: picks.length,
      unit: 'proof',
      ours: true,
      fn: () =>
        picks.every((leaf, k) =>
          verifyMerkleInclusion(leaves[leaf] as Uint8Array, proofs[k] as MerkleInclusionProof, root),
        ),
    });
    tasks.push({
      case: verifyCase,
      impl: 'node:crypto (same RFC 9162 algorithm)',
      items: picks.length,
      unit: 'proof',
      fn: () =>
        picks.every((leaf, k) =>
          nodeVerifyInclusion(leaves[leaf] as Uint8Array, proofs[k] as MerkleInclusionProof, root),
        ),
    });
  }

  const rows = await measure(tasks, { timeMs: 500, iterationsMin: 1, rounds: 5 });
  return { name: 'hash', rows, notes: [`First call in a fresh process: ${firstCallTimes()}`] };
}
