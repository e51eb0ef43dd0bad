// verifyMerkleInclusionMany must give, item for item, exactly verifyMerkleInclusion's verdict:
// on valid proofs, on every kind of wrong proof, across chunk boundaries, with leaves of any
// length; and refuse malformed arguments naming the item and field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MerkleInclusionProof, MerkleTree, verifyMerkleInclusion } from '../../src/crypto/merkle.js';
import {
  type MerkleInclusionItem,
  packInclusionItems,
  verifyMerkleInclusionMany,
  verifyPackedInclusionItems,
} from '../../src/crypto/merkle-batch.js';
import { fuzzParams } from '../support/fuzz.js';

const single = (items: readonly MerkleInclusionItem[]): boolean[] =>
  items.map((item) => verifyMerkleInclusion(item.leaf, item.proof, item.root));

function treeOf(leaves: readonly Uint8Array[]): MerkleTree {
  return MerkleTree.fromLeaves(leaves);
}

/** Items proving every leaf of a tree, then each mutated one way or another. */
function mutated(item: MerkleInclusionItem, how: number, byte: number): MerkleInclusionItem {
  const { leaf, proof, root } = item;
  const flip = (bytes: Uint8Array): Uint8Array => {
    const copy = bytes.slice();
    if (copy.length > 0) copy[byte % copy.length] = (copy[byte % copy.length] as number) ^ 1;
    return copy;
  };
  const withProof = (changes: Partial<MerkleInclusionProof>): MerkleInclusionItem => ({
    leaf,
    root,
    proof: { ...proof, ...changes },
  });
  switch (how % 9) {
    case 0:
      return { leaf: flip(leaf), proof, root };
    case 1:
      return { leaf, proof, root: flip(root) };
    case 2:
      return proof.path.length === 0
        ? { leaf, proof, root: flip(root) }
        : withProof({ path: proof.path.map((node, k) => (k === byte % proof.path.length ? flip(node) : node)) });
    case 3:
      return withProof({ leafIndex: (proof.leafIndex + 1) % Math.max(1, proof.treeSize) });
    case 4:
      return withProof({ treeSize: proof.treeSize + 1 });
    case 5:
      return withProof({ path: proof.path.slice(0, -1) });
    case 6:
      return withProof({ path: [...proof.path, root] });
    case 7:
      return withProof({ leafIndex: proof.treeSize + byte }); // index past the tree
    default:
      return withProof({ path: proof.path.map((node, k) => (k === 0 ? node.subarray(0, 31) : node)) }); // a 31-byte sibling
  }
}

const arbLeaves = fc.array(fc.uint8Array({ minLength: 0, maxLength: 80 }), { minLength: 1, maxLength: 300 });

describe('verifyMerkleInclusionMany', () => {
  it('batch verdicts equal single verdicts, valid and mutated, for random trees', () => {
    fc.assert(
      fc.property(arbLeaves, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.boolean())), (leaves, picks) => {
        const tree = treeOf(leaves);
        const items: MerkleInclusionItem[] = picks.map(([index, how, byte, valid]) => {
          const leafIndex = index % leaves.length;
          const item = {
            leaf: leaves[leafIndex] as Uint8Array,
            proof: tree.inclusionProof(leafIndex),
            root: tree.root,
          };
          return valid ? item : mutated(item, how, byte);
        });
        expect(verifyMerkleInclusionMany(items)).toEqual(single(items));
      }),
      fuzzParams(0.5),
    );
  });

  it('every leaf of trees of 1..70 leaves verifies, in one call, across tree sizes mixed', () => {
    const items: MerkleInclusionItem[] = [];
    for (let n = 1; n <= 70; n++) {
      const leaves = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`leaf ${n}/${i}`));
      const tree = treeOf(leaves);
      for (let i = 0; i < n; i++)
        items.push({ leaf: leaves[i] as Uint8Array, proof: tree.inclusionProof(i), root: tree.root });
    }
    const verdicts = verifyMerkleInclusionMany(items);
    expect(verdicts.every(Boolean)).toBe(true);
    expect(verdicts).toHaveLength((70 * 71) / 2);
  });

  it('crosses its internal chunks (10,000 proofs, 32-byte leaves) with the right verdict for each', () => {
    const leaves = Array.from({ length: 1 << 12 }, (_, i) => {
      const leaf = new Uint8Array(32);
      new DataView(leaf.buffer).setUint32(0, i);
      return leaf;
    });
    const tree = treeOf(leaves);
    const items = Array.from({ length: 10_000 }, (_, k): MerkleInclusionItem => {
      const i = (k * 7919) % leaves.length;
      const item = { leaf: leaves[i] as Uint8Array, proof: tree.inclusionProof(i), root: tree.root };
      return k % 997 === 0 ? mutated(item, k, k) : item;
    });
    const verdicts = verifyMerkleInclusionMany(items);
    expect(verdicts).toEqual(single(items));
    expect(verdicts.filter((v) => !v).length).toBe(Math.ceil(10_000 / 997));
  });

  it('a path whose hashes share one buffer (as MerkleTree returns them) is read from that buffer, in place', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    const tree = MerkleTree.fromLeaves(leaves);
    const proof = tree.inclusionProof(123);
    const first = proof.path[0] as Uint8Array;
    // The tree hands out views of one buffer, back to back.
    for (const [k, node] of proof.path.entries()) {
      expect(node.buffer).toBe(first.buffer);
      expect(node.byteOffset).toBe(first.byteOffset + 32 * k);
    }
    const item = { leaf: leaves[123] as Uint8Array, proof, root: tree.root };
    expect(verifyMerkleInclusionMany([item])).toEqual([true]);
    // A byte changed in the shared buffer is a changed sibling.
    const mutated = new Uint8Array(first.buffer, first.byteOffset, proof.path.length * 32);
    mutated[5 * 32 + 7] = (mutated[5 * 32 + 7] as number) ^ 1;
    expect(verifyMerkleInclusionMany([item])).toEqual([verifyMerkleInclusion(item.leaf, proof, item.root)]);
    expect(verifyMerkleInclusion(item.leaf, proof, item.root)).toBe(false);
    mutated[5 * 32 + 7] = (mutated[5 * 32 + 7] as number) ^ 1;
    // Views of one buffer out of order are not a contiguous path: read one by one, and wrong.
    const swapped = { ...proof, path: [proof.path[1], proof.path[0], ...proof.path.slice(2)] as Uint8Array[] };
    expect(verifyMerkleInclusionMany([item, { ...item, proof: swapped }])).toEqual([true, false]);
  });

  it('an empty call gives no verdicts; a one-leaf tree proves with an empty path', () => {
    expect(verifyMerkleInclusionMany([])).toEqual([]);
    const tree = treeOf([new Uint8Array([7])]);
    const item = { leaf: new Uint8Array([7]), proof: tree.inclusionProof(0), root: tree.root };
    expect(verifyMerkleInclusionMany([item, { ...item, leaf: new Uint8Array([8]) }])).toEqual([true, false]);
  });

  it('refuses malformed arguments naming the item and field (TypeError/RangeError)', () => {
    const tree = treeOf([new Uint8Array(1), new Uint8Array(2)]);
    const good = { leaf: new Uint8Array(1), proof: tree.inclusionProof(0), root: tree.root };
    expect(() => verifyMerkleInclusionMany('x' as never)).toThrow(
      /verifyMerkleInclusionMany: expected items to be an array/,
    );
    expect(() => verifyMerkleInclusionMany([good, null as never])).toThrow(/items\[1\]/);
    expect(() => verifyMerkleInclusionMany([{ ...good, leaf: 'a' as never }])).toThrow(/items\[0\]\.leaf/);
    expect(() => verifyMerkleInclusionMany([{ ...good, root: new Uint8Array(31) }])).toThrow(/items\[0\]\.root/);
    expect(() => verifyMerkleInclusionMany([{ ...good, proof: { ...good.proof, leafIndex: -1 } }])).toThrow(
      /items\[0\]\.proof\.leafIndex/,
    );
    expect(() => verifyMerkleInclusionMany([{ ...good, proof: { ...good.proof, path: [3] as never } }])).toThrow(
      /items\[0\]\.proof\.path\[0\]/,
    );
    expect(() => verifyMerkleInclusionMany([{ ...good, proof: null as never }])).toThrow(TypeError);
  });

  it('items packed for a pool worker verify to the same verdicts; an unfit proof stays false', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => new Uint8Array(i % 7));
    const tree = treeOf(leaves);
    const items: MerkleInclusionItem[] = leaves.map((leaf, i) => ({
      leaf,
      proof: tree.inclusionProof(i),
      root: tree.root,
    }));
    items[3] = mutated(items[3] as MerkleInclusionItem, 8, 0); // a 31-byte sibling: cannot fit
    items[9] = mutated(items[9] as MerkleInclusionItem, 1, 5); // a wrong root
    const verdicts = verifyPackedInclusionItems(packInclusionItems(items, 2, 30));
    expect(verdicts).toHaveLength(28);
    expect(Array.from(verdicts, (verdict) => verdict === 1)).toEqual(single(items.slice(2, 30)));
  });
});
