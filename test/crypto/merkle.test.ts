import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHashesIoBytes } from '../../src/crypto/merkle.js';
import { ioBase } from '../../src/crypto/wasm.js';
import {
  MerkleTree,
  merkleConsistencyProof,
  merkleInclusionProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyMerkleConsistency,
  verifyMerkleInclusion,
} from '../../src/index.js';
import { batchBytesMax, merkleLeavesMax, wasmMemoryBytesMax } from '../../src/limits.js';
import { fuzzParams } from '../support/fuzz.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const sha = (...parts: Uint8Array[]): Uint8Array =>
  new Uint8Array(parts.reduce((h, p) => h.update(p), createHash('sha256')).digest());

// An independent, literal transcription of RFC 9162 §2.1 over node:crypto: the oracle.
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function referenceMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Uint8Array.of(0), d[0] as Uint8Array);
  const k = largestPowerOfTwoBelow(d.length);
  return sha(Uint8Array.of(1), referenceMth(d.slice(0, k)), referenceMth(d.slice(k)));
}
function referencePath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = largestPowerOfTwoBelow(d.length);
  if (m < k) return [...referencePath(m, d.slice(0, k)), referenceMth(d.slice(k))];
  return [...referencePath(m - k, d.slice(k)), referenceMth(d.slice(0, k))];
}
function referenceSubproof(m: number, d: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  if (m === d.length) return complete ? [] : [referenceMth(d)];
  const k = largestPowerOfTwoBelow(d.length);
  if (m <= k) return [...referenceSubproof(m, d.slice(0, k), complete), referenceMth(d.slice(k))];
  return [...referenceSubproof(m - k, d.slice(k), false), referenceMth(d.slice(0, k))];
}

// Certificate Transparency reference test data (certificate-transparency merkle_tree_test).
const ctLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);
const ctRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const ctInclusion: Array<[number, number, string[]]> = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const ctConsistency: Array<[number, number, string[]]> = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

const leavesOf = (count: number, salt = 0): Uint8Array[] =>
  Array.from({ length: count }, (_, i) => Uint8Array.of(i & 0xff, (i >>> 8) & 0xff, salt, (i * 7) & 0xff));

describe('merkle: RFC 6962 / Certificate Transparency reference data', () => {
  it('roots of the reference leaves for sizes 0–8 (merkleRoot, MerkleTree, rootAt)', () => {
    const full = MerkleTree.fromLeaves(ctLeaves);
    for (let n = 0; n <= 8; n++) {
      expect(hex(merkleRoot(ctLeaves.slice(0, n))), `size ${n}`).toBe(ctRoots[n]);
      expect(hex(MerkleTree.fromLeaves(ctLeaves.slice(0, n)).root), `size ${n}`).toBe(ctRoots[n]);
      expect(hex(full.rootAt(n)), `rootAt ${n}`).toBe(ctRoots[n]);
    }
  });

  it('leaf and node hashes are domain-separated (0x00 / 0x01)', () => {
    expect(hex(merkleLeafHash(new Uint8Array(0)))).toBe(hex(sha(Uint8Array.of(0))));
    const left = merkleLeafHash(Buffer.from('a'));
    const right = merkleLeafHash(Buffer.from('b'));
    expect(hex(merkleNodeHash(left, right))).toBe(hex(sha(Uint8Array.of(1), left, right)));
    const joined = new Uint8Array(64);
    joined.set(left);
    joined.set(right, 32);
    expect(hex(merkleLeafHash(joined))).not.toBe(hex(merkleNodeHash(left, right)));
  });

  for (const [index, size, path] of ctInclusion) {
    it(`inclusion proof for leaf ${index} of ${size} matches the reference and verifies`, () => {
      const proof = merkleInclusionProof(ctLeaves.slice(0, size), index);
      expect(proof.leafIndex).toBe(index);
      expect(proof.treeSize).toBe(size);
      expect(proof.path.map(hex)).toEqual(path);
      expect(verifyMerkleInclusion(ctLeaves[index] as Uint8Array, proof, fromHex(ctRoots[size] as string))).toBe(true);
    });
  }

  for (const [oldSize, newSize, expected] of ctConsistency) {
    it(`consistency proof ${oldSize} → ${newSize} matches the reference and verifies`, () => {
      const proof = merkleConsistencyProof(ctLeaves.slice(0, newSize), oldSize);
      expect(proof.map(hex)).toEqual(expected);
      const oldRoot = fromHex(ctRoots[oldSize] as string);
      const newRoot = fromHex(ctRoots[newSize] as string);
      expect(verifyMerkleConsistency(oldSize, oldRoot, newSize, newRoot, proof)).toBe(true);
    });
  }
});

describe('merkle: agreement with the RFC 9162 recursion', () => {
  it('roots, every inclusion path and every consistency proof for sizes 0–70', () => {
    const leaves = leavesOf(70, 1);
    for (let n = 0; n <= 70; n++) {
      const prefix = leaves.slice(0, n);
      const tree = MerkleTree.fromLeaves(prefix);
      const root = referenceMth(prefix);
      expect(hex(tree.root), `size ${n}`).toBe(hex(root));
      expect(hex(merkleRoot(prefix)), `size ${n}`).toBe(hex(root));
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i);
        expect(proof.path.map(hex), `path ${i}/${n}`).toEqual(referencePath(i, prefix).map(hex));
        expect(verifyMerkleInclusion(prefix[i] as Uint8Array, proof, root)).toBe(true);
      }
      for (let m = 1; m < n; m++) {
        const proof = tree.consistencyProof(m);
        expect(proof.map(hex), `consistency ${m}/${n}`).toEqual(referenceSubproof(m, prefix, true).map(hex));
        expect(verifyMerkleConsistency(m, tree.rootAt(m), n, root, proof), `verify ${m}/${n}`).toBe(true);
      }
    }
  });

  it('32-byte leaves (the dedicated wasm path) agree with the recursion and with mixed-length batches', () => {
    const leaves32 = Array.from({ length: 70 }, (_, i) => sha(Uint8Array.of(i, 32)));
    for (let n = 0; n <= 70; n++) {
      const prefix = leaves32.slice(0, n);
      const root = hex(referenceMth(prefix));
      expect(hex(merkleRoot(prefix)), `size ${n}`).toBe(root);
      expect(hex(MerkleTree.fromLeaves(prefix).root), `tree size ${n}`).toBe(root);
    }
    // One leaf of another length sends the whole batch down the general path: same root.
    const mixed = [...leaves32.slice(0, 9), new Uint8Array(31)];
    expect(hex(merkleRoot(mixed))).toBe(hex(referenceMth(mixed)));
  });

  it('fromLeafHashes builds the same tree as fromLeaves', () => {
    const leaves = leavesOf(37, 4);
    const a = MerkleTree.fromLeaves(leaves);
    const b = MerkleTree.fromLeafHashes(leaves.map(merkleLeafHash));
    expect(hex(b.root)).toBe(hex(a.root));
    expect(b.inclusionProof(36).path.map(hex)).toEqual(a.inclusionProof(36).path.map(hex));
    expect(hex(a.leafHash(5))).toBe(hex(merkleLeafHash(leaves[5] as Uint8Array)));
  });

  it('a large unbalanced tree (2^14 + 3 leaves) matches the recursion at its root', () => {
    const leaves = leavesOf((1 << 14) + 3, 9);
    expect(hex(merkleRoot(leaves))).toBe(hex(referenceMth(leaves)));
  });

  it('leaves of mixed lengths (multi-block leaves) hash like the recursion', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 40 }), (leaves) => {
        expect(hex(merkleRoot(leaves))).toBe(hex(referenceMth(leaves)));
      }),
      fuzzParams(0.5),
    );
  });
});

describe('merkle: properties', () => {
  const treeAndIndex = fc
    .integer({ min: 1, max: 300 })
    .chain((size) =>
      fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 255 })),
    );

  it("every leaf's proof verifies", () => {
    fc.assert(
      fc.property(treeAndIndex, ([size, index, salt]) => {
        const leaves = leavesOf(size, salt);
        const tree = MerkleTree.fromLeaves(leaves);
        expect(verifyMerkleInclusion(leaves[index] as Uint8Array, tree.inclusionProof(index), tree.root)).toBe(true);
      }),
      fuzzParams(),
    );
  });

  it('any change to leaf, path, index, size or root is refused', () => {
    fc.assert(
      fc.property(treeAndIndex, fc.nat(), fc.integer({ min: 0, max: 255 }), ([size, index, salt], pick, bit) => {
        const leaves = leavesOf(size, salt);
        const tree = MerkleTree.fromLeaves(leaves);
        const proof = tree.inclusionProof(index);
        const root = tree.root;
        const leaf = leaves[index] as Uint8Array;
        const flip = (bytes: Uint8Array, at: number): Uint8Array => {
          const copy = bytes.slice();
          copy[at % copy.length] = (copy[at % copy.length] as number) ^ (1 << (bit & 7));
          return copy;
        };
        expect(verifyMerkleInclusion(flip(leaf, pick), proof, root)).toBe(false);
        expect(verifyMerkleInclusion(leaf, proof, flip(root, pick))).toBe(false);
        if (proof.path.length > 0) {
          const at = pick % proof.path.length;
          const path = proof.path.map((node, i) => (i === at ? flip(node, bit) : node));
          expect(verifyMerkleInclusion(leaf, { ...proof, path }, root)).toBe(false);
          expect(verifyMerkleInclusion(leaf, { ...proof, path: proof.path.slice(0, -1) }, root)).toBe(false);
        }
        expect(verifyMerkleInclusion(leaf, { ...proof, path: [...proof.path, root] }, root)).toBe(false);
        // A different index: refused unless it names the same leaf position.
        const otherIndex = (index + 1 + (pick % size)) % size;
        if (otherIndex !== index)
          expect(verifyMerkleInclusion(leaf, { ...proof, leafIndex: otherIndex }, root)).toBe(false);
        expect(verifyMerkleInclusion(leaf, { ...proof, leafIndex: size }, root)).toBe(false);
        // A different size: the verifier's walk over (index, size) is fixed by the two numbers,
        // so a size whose RFC 9162 path has another length can never verify. (Sizes with the
        // same walk are indistinguishable by design: the signed tree head authenticates size.)
        const otherSize = index + 1 + (pick % (2 * size));
        if (referencePath(index, leavesOf(otherSize, salt)).length !== proof.path.length) {
          expect(verifyMerkleInclusion(leaf, { ...proof, treeSize: otherSize }, root)).toBe(false);
        }
      }),
      fuzzParams(),
    );
  });

  it('consistency proofs for every m ≤ n verify and wrong old roots are refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 255 }), (size, salt) => {
        const leaves = leavesOf(size, salt);
        const tree = MerkleTree.fromLeaves(leaves);
        const root = tree.root;
        for (let m = 0; m <= size; m++) {
          const proof = tree.consistencyProof(m);
          const oldRoot = tree.rootAt(m);
          expect(verifyMerkleConsistency(m, oldRoot, size, root, proof), `${m}/${size}`).toBe(true);
          const wrongOld = oldRoot.slice();
          wrongOld[m % 32] = (wrongOld[m % 32] as number) ^ 1;
          expect(verifyMerkleConsistency(m, wrongOld, size, root, proof), `wrong old ${m}/${size}`).toBe(false);
          const wrongNew = root.slice();
          wrongNew[0] = (wrongNew[0] as number) ^ 0x80;
          // The empty prefix is consistent with every tree, so only m > 0 can catch a wrong new root.
          if (m > 0)
            expect(verifyMerkleConsistency(m, oldRoot, size, wrongNew, proof), `wrong new ${m}/${size}`).toBe(false);
          if (proof.length > 0) {
            const tampered = proof.map((node, i) => (i === 0 ? node.map((b) => b ^ 0xff) : node));
            expect(verifyMerkleConsistency(m, oldRoot, size, root, tampered)).toBe(false);
            expect(verifyMerkleConsistency(m, oldRoot, size, root, proof.slice(1))).toBe(false);
          }
        }
      }),
      fuzzParams(0.3),
    );
  });
});

describe('merkle: invalid input', () => {
  const tree = MerkleTree.fromLeaves(ctLeaves);
  const proof = tree.inclusionProof(5);

  it('out-of-range indexes and sizes throw RangeError naming the parameter', () => {
    expect(() => merkleInclusionProof(ctLeaves, 8)).toThrow(/leafIndex/);
    expect(() => merkleInclusionProof(ctLeaves, -1)).toThrow(RangeError);
    expect(() => merkleInclusionProof(ctLeaves, 1.5)).toThrow(RangeError);
    expect(() => merkleInclusionProof([], 0)).toThrow(RangeError);
    expect(() => tree.inclusionProof(8)).toThrow(RangeError);
    expect(() => tree.consistencyProof(9)).toThrow(/oldSize/);
    expect(() => merkleConsistencyProof(ctLeaves, -1)).toThrow(RangeError);
    expect(() => tree.rootAt(9)).toThrow(/treeSize/);
    expect(() => tree.leafHash(8)).toThrow(RangeError);
  });

  it('wrong types throw TypeError naming the parameter', () => {
    expect(() => merkleRoot('abc' as unknown as Uint8Array[])).toThrow(TypeError);
    expect(() => merkleRoot([new Uint8Array(1), 7 as unknown as Uint8Array])).toThrow(/leaves\[1\]/);
    expect(() => merkleInclusionProof(ctLeaves, '1' as unknown as number)).toThrow(TypeError);
    expect(() => verifyMerkleInclusion('x' as unknown as Uint8Array, proof, tree.root)).toThrow(/leaf/);
    expect(() => verifyMerkleInclusion(ctLeaves[5] as Uint8Array, null as unknown as typeof proof, tree.root)).toThrow(
      TypeError,
    );
    expect(() =>
      verifyMerkleInclusion(ctLeaves[5] as Uint8Array, { ...proof, path: 'x' } as unknown as typeof proof, tree.root),
    ).toThrow(/proof\.path/);
    expect(() => verifyMerkleInclusion(ctLeaves[5] as Uint8Array, proof, new Uint8Array(31))).toThrow(/32-byte root/);
    expect(() => verifyMerkleConsistency(6, new Uint8Array(31), 8, tree.root, [])).toThrow(/oldRoot/);
    expect(() => MerkleTree.fromLeafHashes([new Uint8Array(31)])).toThrow(/leafHashes\[0\]/);
    expect(() => merkleNodeHash(new Uint8Array(32), new Uint8Array(33))).toThrow(/right/);
  });

  it('well-formed but wrong proofs verify false, never throw', () => {
    const leaf = ctLeaves[5] as Uint8Array;
    expect(verifyMerkleInclusion(leaf, { ...proof, path: [new Uint8Array(5)] }, tree.root)).toBe(false);
    expect(verifyMerkleInclusion(leaf, { ...proof, leafIndex: 9 }, tree.root)).toBe(false);
    expect(verifyMerkleInclusion(leaf, { ...proof, treeSize: 0 }, tree.root)).toBe(false);
    expect(verifyMerkleInclusion(leaf, { ...proof, treeSize: 2 ** 40 }, tree.root)).toBe(false);
    expect(verifyMerkleInclusion(leaf, { ...proof, path: Array(100).fill(tree.root) }, tree.root)).toBe(false);
    const root6 = fromHex(ctRoots[6] as string);
    const consistency = tree.consistencyProof(6);
    expect(verifyMerkleConsistency(8, tree.root, 6, root6, [])).toBe(false);
    expect(verifyMerkleConsistency(8, tree.root, 8, tree.root, [tree.root])).toBe(false);
    expect(verifyMerkleConsistency(8, root6, 8, tree.root, [])).toBe(false);
    expect(verifyMerkleConsistency(0, fromHex(ctRoots[0] as string), 8, tree.root, [])).toBe(true);
    expect(verifyMerkleConsistency(0, root6, 8, tree.root, [])).toBe(false);
    expect(verifyMerkleConsistency(6, root6, 8, tree.root, [])).toBe(false);
    expect(verifyMerkleConsistency(6, root6, 8, tree.root, [...consistency.slice(0, 2), new Uint8Array(3)])).toBe(
      false,
    );
  });

  it('proofs and roots are copies: mutating them does not corrupt the tree', () => {
    const t = MerkleTree.fromLeaves(ctLeaves);
    const before = hex(t.root);
    t.root.fill(0);
    t.inclusionProof(3).path[0]?.fill(0);
    expect(hex(t.root)).toBe(before);
    expect(verifyMerkleInclusion(ctLeaves[3] as Uint8Array, t.inclusionProof(3), t.root)).toBe(true);
  });
});

describe('merkle: the leaf limit', () => {
  it('is checked up front, naming the function and the parameter', () => {
    // A holey array of merkleLeavesMax + 1 slots: refused on its length before any element is read.
    const tooMany = new Array<Uint8Array>(merkleLeavesMax + 1);
    const message = `leaves has ${merkleLeavesMax + 1} items, limit ${merkleLeavesMax}`;
    expect(() => merkleRoot(tooMany)).toThrow(new RangeError(`merkleRoot: ${message}`));
    expect(() => MerkleTree.fromLeaves(tooMany)).toThrow(new RangeError(`MerkleTree.fromLeaves: ${message}`));
    expect(() => MerkleTree.fromLeafHashes(tooMany)).toThrow(
      new RangeError(
        `MerkleTree.fromLeafHashes: leafHashes has ${merkleLeavesMax + 1} items, limit ${merkleLeavesMax}`,
      ),
    );
    expect(() => merkleInclusionProof(tooMany, 0)).toThrow(new RangeError(`merkleInclusionProof: ${message}`));
  });

  it('admits only trees whose every level fits in wasm memory, for leaves of any lengths', () => {
    // The largest inputs the limits let through: merkleLeavesMax leaves holding batchBytesMax
    // bytes (offsets table), or merkleLeavesMax 32-byte leaves; a tree keeps every level
    // (extra hashes = leaves), a root needs one more; fromLeafHashes holds two levels' worth.
    const room = wasmMemoryBytesMax - ioBase;
    const n = merkleLeavesMax;
    expect(leafHashesIoBytes(n, batchBytesMax, false, n)).toBeLessThanOrEqual(room);
    expect(leafHashesIoBytes(n, 32 * n, true, n)).toBeLessThanOrEqual(room);
    expect(leafHashesIoBytes(n, batchBytesMax, false, 1)).toBeLessThanOrEqual(room);
    expect(2 * n * 32).toBeLessThanOrEqual(room);
    // …and the formula is the one the build reserves by: a tree of n leaves fits in what it says.
    expect(leafHashesIoBytes(5, 15, false, 5)).toBe(32 + 16 + 10 * 32);
    expect(leafHashesIoBytes(5, 160, true, 1)).toBe(160 + 6 * 32);
  });

  // At the limit itself: ~3 GiB of wasm memory, 2 GiB more for the tree's copy, and ~1 min of
  // hashing, so it runs on request only (CONSORTIUM_LEDGER_LARGE_TESTS=1).
  it.runIf(process.env.CONSORTIUM_LEDGER_LARGE_TESTS === '1')(
    'merkleRoot, MerkleTree.fromLeaves and fromLeafHashes work at merkleLeavesMax leaves',
    { timeout: 600_000 },
    () => {
      const n = merkleLeavesMax;
      // Leaves of 31 bytes (the offsets-table path, the most memory a leaf count can take).
      const leaf = new Uint8Array(31).fill(7);
      const leaves = new Array<Uint8Array>(n).fill(leaf);
      // Every leaf equal: each level's nodes are equal, so the root follows from one chain.
      let node = sha(Uint8Array.of(0), leaf);
      for (let width = n; width > 1; width /= 2) node = sha(Uint8Array.of(1), node, node);
      expect(hex(merkleRoot(leaves))).toBe(hex(node));
      const tree = MerkleTree.fromLeaves(leaves);
      expect(hex(tree.root)).toBe(hex(node));
      expect(verifyMerkleInclusion(leaf, tree.inclusionProof(n - 1), tree.root)).toBe(true);
      const leafHash = tree.leafHash(0);
      expect(hex(MerkleTree.fromLeafHashes(new Array<Uint8Array>(n).fill(leafHash)).root)).toBe(hex(node));
    },
  );
});
