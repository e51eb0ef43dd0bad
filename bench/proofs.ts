/**
 * `npm run bench -- proofs`: RFC 9162 inclusion-proof verification in bulk (issue 8, item 3):
 * 20,000 proofs of 16 hashes (a 2^16-leaf tree of 32-byte leaves, as a block's tx ids are)
 * checked by `verifyMerkleInclusionMany` in one call, one by one with `verifyMerkleInclusion`,
 * and one by one with node:crypto running the same RFC 9162 walk. Target: ≥ 200,000 proofs/s
 * on one core.
 */
import { randomBytes } from 'node:crypto';
import { type MerkleInclusionProof, MerkleTree, verifyMerkleInclusion } from '../src/crypto/merkle.js';
import { type MerkleInclusionItem, verifyMerkleInclusionMany } from '../src/crypto/merkle-batch.js';
import { CryptoPool } from '../src/pool/crypto-pool.js';
import { type BenchTable, machine, measure, othersCoresDuring, oursName } from './common.js';
import { nodeVerifyInclusion } from './hash.js';

export async function run(): Promise<BenchTable> {
  const leaves = Array.from({ length: 1 << 16 }, () => new Uint8Array(randomBytes(32)));
  const tree = MerkleTree.fromLeaves(leaves);
  const root = tree.root;
  const items: MerkleInclusionItem[] = Array.from({ length: 20_000 }, (_, k) => {
    const index = (k * 7919) % leaves.length;
    return { leaf: leaves[index] as Uint8Array, proof: tree.inclusionProof(index), root };
  });
  const all = (verdicts: boolean[]): boolean => {
    if (!verdicts.every(Boolean)) throw new Error('a valid proof did not verify');
    return true;
  };
  const caseName = 'verify 20,000 inclusion proofs, 16 hashes each';
  const pool = new CryptoPool({ threads: 2 });
  await pool.ready();
  const { result: rows, note: loadNote } = await othersCoresDuring(() =>
    measure(
      [
        {
          case: caseName,
          impl: `${oursName} verifyMerkleInclusionMany`,
          items: items.length,
          unit: 'proof',
          ours: true,
          fn: () => all(verifyMerkleInclusionMany(items)),
        },
        {
          case: caseName,
          impl: `${oursName} CryptoPool.verifyMerkleInclusionMany, 2 threads`,
          items: items.length,
          unit: 'proof',
          fn: async () => all(await pool.verifyMerkleInclusionMany(items)),
        },
        {
          case: caseName,
          impl: `${oursName} verifyMerkleInclusion, one by one`,
          items: items.length,
          unit: 'proof',
          fn: () => all(items.map((item) => verifyMerkleInclusion(item.leaf, item.proof, item.root))),
        },
        {
          case: caseName,
          impl: 'node:crypto (same RFC 9162 walk), one by one',
          items: items.length,
          unit: 'proof',
          fn: () =>
            all(items.map((item) => nodeVerifyInclusion(item.leaf, item.proof as MerkleInclusionProof, item.root))),
        },
      ],
      { rounds: 9, timeMs: 4_000 },
    ),
  );
  await pool.close();
  return { name: 'proofs', rows, notes: [`machine: ${JSON.stringify(machine())}`, loadNote] };
}
