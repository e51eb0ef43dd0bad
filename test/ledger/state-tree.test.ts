import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import {
  decodeStateProof,
  encodeStateProof,
  type StateChange,
  type StateProof,
  StateTree,
  stateEmptyRoot,
  verifyStateProof,
} from '../../src/ledger/state-tree.js';
import { fuzzParams } from '../support/fuzz.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const sha = (...parts: Uint8Array[]): Uint8Array =>
  new Uint8Array(parts.reduce((h, p) => h.update(p), createHash('sha256')).digest());
const zeros = new Uint8Array(32);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const flipByte = (bytes: Uint8Array, index: number, mask: number): void => {
  bytes[index] = (bytes[index] as number) ^ mask;
};

// ---- The oracle: the construction transcribed literally, recursive, over node:crypto ----

interface Domains {
  readonly leaf: number;
  readonly node: number;
}
const specDomains: Domains = { leaf: 0x00, node: 0x01 };
const bit = (hash: Uint8Array, i: number): number => ((hash[i >> 3] as number) >> (7 - (i & 7))) & 1;

function referenceSubtree(
  leaves: readonly { keyHash: Uint8Array; valueHash: Uint8Array }[],
  depth: number,
  domains: Domains,
): Uint8Array {
  if (leaves.length === 0) return zeros;
  if (leaves.length === 1) {
    const [leaf] = leaves as [{ keyHash: Uint8Array; valueHash: Uint8Array }];
    return sha(Uint8Array.of(domains.leaf), leaf.keyHash, leaf.valueHash);
  }
  const left = leaves.filter((leaf) => bit(leaf.keyHash, depth) === 0);
  const right = leaves.filter((leaf) => bit(leaf.keyHash, depth) === 1);
  return sha(
    Uint8Array.of(domains.node),
    referenceSubtree(left, depth + 1, domains),
    referenceSubtree(right, depth + 1, domains),
  );
}

/** Root of a plain map (hex key → value) straight from the construction. */
function referenceRoot(model: ReadonlyMap<string, Uint8Array>, domains = specDomains): Uint8Array {
  const leaves = [...model].map(([key, value]) => ({ keyHash: sha(fromHex(key)), valueHash: sha(value) }));
  return referenceSubtree(leaves, 0, domains);
}

function applyToModel(model: Map<string, Uint8Array>, changes: readonly StateChange[]): void {
  for (const { key, value } of changes) {
    if (value === undefined) model.delete(hex(key));
    else model.set(hex(key), value);
  }
}

// ---- Arbitraries: a small key pool so that updates and deletes hit present keys ----

const keyArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((i) => Uint8Array.of(i)),
  fc.uint8Array({ minLength: 0, maxLength: 6 }),
);
const valueArb = fc.uint8Array({ minLength: 0, maxLength: 8 });
const changeArb: fc.Arbitrary<StateChange> = fc.record({
  key: keyArb,
  value: fc.option(valueArb, { nil: undefined, freq: 4 }),
});
const batchesArb = fc.array(fc.array(changeArb, { maxLength: 30 }), { minLength: 1, maxLength: 6 });
const mapArb = fc
  .uniqueArray(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), valueArb), {
    selector: ([key]) => hex(key),
    maxLength: 40,
  })
  .map((entries) => new Map(entries.map(([key, value]) => [hex(key), value])));

function treeOf(model: ReadonlyMap<string, Uint8Array>): StateTree {
  const tree = new StateTree();
  tree.update([...model].map(([key, value]) => ({ key: fromHex(key), value })));
  return tree;
}

/** Keys whose hashes share at least `bits` leading bits (found by a birthday search). */
function keysSharingPrefix(bits: number): [Uint8Array, Uint8Array] {
  const seen = new Map<number, Uint8Array>();
  for (let i = 0; ; i++) {
    const key = text(`prefix-${i}`);
    const hash = sha(key);
    const prefix = ((hash[0] as number) << 16) | ((hash[1] as number) << 8) | (hash[2] as number);
    const bucket = prefix >>> (24 - bits);
    const other = seen.get(bucket);
    if (other !== undefined) return [other, key];
    seen.set(bucket, key);
  }
}

describe('StateTree against the recursive reference', () => {
  it('root equals the reference after every random batch of inserts, updates and deletes', () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const tree = new StateTree();
        const model = new Map<string, Uint8Array>();
        for (const batch of batches) {
          const returned = tree.update(batch);
          applyToModel(model, batch);
          expect(hex(returned)).toBe(hex(referenceRoot(model)));
          expect(hex(tree.root)).toBe(hex(returned));
          expect(tree.size).toBe(model.size);
        }
      }),
      fuzzParams(),
    );
  });

  it('the same contents give the same root whatever the order and batching of updates', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (changes, step) => {
        const whole = new StateTree();
        whole.update(changes);
        const oneByOne = new StateTree();
        for (const change of changes) oneByOne.update([change]);
        // The final contents only, inserted in reverse in batches of `step`.
        const model = new Map<string, Uint8Array>();
        applyToModel(model, changes);
        const entries = [...model].reverse();
        const rebuilt = new StateTree();
        for (let i = 0; i < entries.length; i += step) {
          rebuilt.update(entries.slice(i, i + step).map(([key, value]) => ({ key: fromHex(key), value })));
        }
        expect(hex(oneByOne.root)).toBe(hex(whole.root));
        expect(hex(rebuilt.root)).toBe(hex(whole.root));
      }),
      fuzzParams(),
    );
  });

  it('updateHashed gives the same root as update', () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const plain = new StateTree();
        const hashed = new StateTree();
        for (const batch of batches) {
          plain.update(batch);
          hashed.updateHashed(
            batch.map((change) => sha(change.key)),
            batch.map((change) => (change.value === undefined ? undefined : sha(change.value))),
          );
          expect(hex(hashed.root)).toBe(hex(plain.root));
        }
      }),
      fuzzParams(0.3),
    );
  });

  it('thousands of keys (storage growth, freed ids reused) match the reference', () => {
    const tree = new StateTree();
    const model = new Map<string, Uint8Array>();
    const apply = (changes: StateChange[]): void => {
      tree.update(changes);
      applyToModel(model, changes);
      expect(hex(tree.root)).toBe(hex(referenceRoot(model)));
    };
    const keys = Array.from({ length: 3000 }, (_, i) => text(`account-${i}`));
    apply(keys.map((key, i) => ({ key, value: text(`balance-${i}`) })));
    apply(keys.filter((_, i) => i % 2 === 0).map((key) => ({ key, value: undefined })));
    apply(keys.map((key, i) => ({ key, value: i % 3 === 0 ? undefined : text(`v2-${i}`) })));
    apply(keys.map((key) => ({ key, value: undefined })));
    expect(hex(tree.root)).toBe(hex(zeros));
    expect(tree.size).toBe(0);
  });

  it('rehashes one wasm call per depth, never one per node', () => {
    const tree = new StateTree();
    tree.update(Array.from({ length: 2000 }, (_, i) => ({ key: text(`k${i}`), value: text(`v${i}`) })));
    tree.update(Array.from({ length: 500 }, (_, i) => ({ key: text(`k${i * 4}`), value: text(`w${i}`) })));
    const stats = tree.lastUpdateStats;
    let depthMax = 0;
    for (let i = 0; i < 2000; i++) depthMax = Math.max(depthMax, tree.prove(text(`k${i}`)).siblings.length);
    expect(stats.leafHashes).toBe(500);
    expect(stats.hashCalls).toBeLessThanOrEqual(1 + depthMax);
    expect(stats.nodeHashes).toBeGreaterThan(10 * stats.hashCalls);
  });

  it('negative control: the reference with one domain byte changed differs from the tree', () => {
    const model = new Map([
      [hex(text('a')), text('1')],
      [hex(text('b')), text('2')],
    ]);
    const tree = treeOf(model);
    expect(hex(tree.root)).toBe(hex(referenceRoot(model)));
    expect(hex(tree.root)).not.toBe(hex(referenceRoot(model, { leaf: 0x00, node: 0x02 })));
    expect(hex(tree.root)).not.toBe(hex(referenceRoot(model, { leaf: 0x02, node: 0x01 })));
  });
});

describe('StateTree edge cases', () => {
  it('the empty map has the zero root and proves absence with no siblings and no leaf', () => {
    const tree = new StateTree();
    expect(hex(tree.root)).toBe(hex(zeros));
    expect(hex(stateEmptyRoot)).toBe(hex(zeros));
    expect(tree.size).toBe(0);
    expect(tree.has(text('x'))).toBe(false);
    const proof = tree.prove(text('x'));
    expect(proof).toEqual({ siblings: [], leaf: null });
    expect(verifyStateProof(zeros, text('x'), undefined, proof)).toBe(true);
    expect(hex(tree.update([]))).toBe(hex(zeros));
    expect(hex(tree.update([{ key: text('x'), value: undefined }]))).toBe(hex(zeros));
  });

  it('a one-key map has that leaf hash as root; an empty value is present, not deleted', () => {
    const tree = new StateTree();
    tree.update([{ key: text('k'), value: new Uint8Array(0) }]);
    expect(hex(tree.root)).toBe(hex(sha(Uint8Array.of(0), sha(text('k')), sha(new Uint8Array(0)))));
    expect(tree.has(text('k'))).toBe(true);
    const proof = tree.prove(text('k'));
    expect(proof.siblings).toHaveLength(0);
    expect(verifyStateProof(tree.root, text('k'), new Uint8Array(0), proof)).toBe(true);
    // Any other key is absent: the one leaf shares the (zero-length) path.
    expect(verifyStateProof(tree.root, text('other'), undefined, tree.prove(text('other')))).toBe(true);
  });

  it('two keys sharing ≥ 12 leading hash bits hang below a chain of one-sided nodes', () => {
    const [a, b] = keysSharingPrefix(12);
    let shared = 0;
    while (bit(sha(a), shared) === bit(sha(b), shared)) shared++;
    expect(shared).toBeGreaterThanOrEqual(12);
    const tree = new StateTree();
    tree.update([
      { key: a, value: text('A') },
      { key: b, value: text('B') },
    ]);
    const model = new Map([
      [hex(a), text('A')],
      [hex(b), text('B')],
    ]);
    expect(hex(tree.root)).toBe(hex(referenceRoot(model)));
    const proof = tree.prove(a);
    expect(proof.siblings).toHaveLength(shared + 1);
    for (let i = 0; i < shared; i++) expect(hex(proof.siblings[i] as Uint8Array)).toBe(hex(zeros));
    expect(hex(proof.siblings[shared] as Uint8Array)).toBe(hex(sha(Uint8Array.of(0), sha(b), sha(text('B')))));
    expect(verifyStateProof(tree.root, a, text('A'), proof)).toBe(true);
    // Deleting one collapses the whole chain: the other leaf becomes the root.
    tree.update([{ key: a, value: undefined }]);
    expect(hex(tree.root)).toBe(hex(sha(Uint8Array.of(0), sha(b), sha(text('B')))));
    tree.update([{ key: b, value: undefined }]);
    expect(hex(tree.root)).toBe(hex(zeros));
  });

  it('later change of the same key wins within a batch; unchanged values keep the root', () => {
    const tree = new StateTree();
    tree.update([
      { key: text('k'), value: text('1') },
      { key: text('k'), value: undefined },
      { key: text('k'), value: text('2') },
      { key: text('j'), value: text('x') },
      { key: text('j'), value: undefined },
    ]);
    expect(tree.size).toBe(1);
    expect(verifyStateProof(tree.root, text('k'), text('2'), tree.prove(text('k')))).toBe(true);
    const before = hex(tree.root);
    tree.update([{ key: text('k'), value: text('2') }]);
    expect(hex(tree.root)).toBe(before);
    expect(tree.lastUpdateStats.leafHashes).toBe(0);
  });

  it('root, proofs and stateEmptyRoot are copies: mutating them does not touch the tree', () => {
    const tree = treeOf(new Map([[hex(text('a')), text('1')]]));
    const root = tree.root;
    const saved = hex(root);
    root.fill(7);
    tree.prove(text('a')).leaf?.keyHash.fill(7);
    stateEmptyRoot.fill(7);
    try {
      expect(hex(tree.root)).toBe(saved);
      tree.update([{ key: text('a'), value: undefined }]);
      expect(hex(tree.root)).toBe(hex(zeros));
    } finally {
      stateEmptyRoot.fill(0);
    }
  });
});

describe('state proofs', () => {
  const counts = { emptySlot: 0, otherLeaf: 0 };

  it('every present key proves its value; absent keys prove absence; wrong claims fail', () => {
    fc.assert(
      fc.property(
        mapArb,
        fc.array(fc.uint8Array({ minLength: 9, maxLength: 12 }), { maxLength: 20 }),
        (model, probes) => {
          const tree = treeOf(model);
          const root = tree.root;
          for (const [keyHex, value] of model) {
            const key = fromHex(keyHex);
            const proof = tree.prove(key);
            expect(tree.has(key)).toBe(true);
            expect(verifyStateProof(root, key, value, proof)).toBe(true);
            expect(verifyStateProof(root, key, Uint8Array.of(...value, 1), proof)).toBe(false);
            expect(verifyStateProof(root, key, undefined, proof)).toBe(false);
          }
          for (const key of probes) {
            // Probes are 9–12 bytes, map keys at most 8: always absent.
            const proof = tree.prove(key);
            expect(tree.has(key)).toBe(false);
            if (proof.leaf === null) counts.emptySlot++;
            else counts.otherLeaf++;
            expect(verifyStateProof(root, key, undefined, proof)).toBe(true);
            expect(verifyStateProof(root, key, new Uint8Array(0), proof)).toBe(false);
            if (proof.leaf !== null) {
              // The other key's leaf does not prove that key absent.
              const other = [...model.keys()].find((k) => hex(sha(fromHex(k))) === hex(proof.leaf?.keyHash ?? zeros));
              expect(other).toBeDefined();
              expect(verifyStateProof(root, fromHex(other as string), undefined, proof)).toBe(false);
            }
          }
        },
      ),
      fuzzParams(),
    );
  });

  it('absence proofs met both the empty-slot case and the other-leaf case', () => {
    // Runs after the property above (vitest runs a file's tests in order); a deterministic
    // map tops the counts up so that even FUZZ_RUNS=1 covers both cases.
    const tree = treeOf(new Map(Array.from({ length: 8 }, (_, i) => [hex(text(`m${i}`)), text(`${i}`)])));
    for (let i = 0; i < 64; i++) {
      const proof = tree.prove(text(`absent-${i}`));
      expect(verifyStateProof(tree.root, text(`absent-${i}`), undefined, proof)).toBe(true);
      if (proof.leaf === null) counts.emptySlot++;
      else counts.otherLeaf++;
    }
    expect(counts.emptySlot).toBeGreaterThan(0);
    expect(counts.otherLeaf).toBeGreaterThan(0);
  });

  it('any mutated sibling byte, leaf, or truncated/extended path fails (and never throws)', () => {
    fc.assert(
      fc.property(mapArb, fc.uint8Array({ maxLength: 8 }), fc.nat(), fc.nat(255), (model, probe, pick, xor) => {
        const tree = treeOf(model);
        const root = tree.root;
        const present = model.get(hex(probe));
        const proof = tree.prove(probe);
        expect(verifyStateProof(root, probe, present, proof)).toBe(true);
        const mask = xor === 0 ? 1 : xor;
        const mutants: StateProof[] = [];
        const siblings = proof.siblings;
        for (let i = 0; i < siblings.length; i++) {
          const copy = siblings.map((s) => s.slice());
          flipByte(copy[i] as Uint8Array, pick % 32, mask);
          mutants.push({ siblings: copy, leaf: proof.leaf });
        }
        if (siblings.length > 0) {
          mutants.push({ siblings: siblings.slice(0, -1), leaf: proof.leaf });
          mutants.push({ siblings: siblings.slice(1), leaf: proof.leaf });
        }
        mutants.push({ siblings: [...siblings, zeros], leaf: proof.leaf });
        mutants.push({ siblings: [...siblings, sha(probe)], leaf: proof.leaf });
        mutants.push({ siblings: [...siblings, new Uint8Array(31)], leaf: proof.leaf });
        if (proof.leaf === null) {
          mutants.push({ siblings, leaf: { keyHash: sha(probe), valueHash: sha(new Uint8Array(0)) } });
        } else {
          const { keyHash, valueHash } = proof.leaf;
          const flip = (bytes: Uint8Array): Uint8Array => {
            const copy = bytes.slice();
            flipByte(copy, pick % 32, mask);
            return copy;
          };
          mutants.push({ siblings, leaf: null });
          mutants.push({ siblings, leaf: { keyHash: flip(keyHash), valueHash } });
          mutants.push({ siblings, leaf: { keyHash, valueHash: flip(valueHash) } });
          mutants.push({ siblings, leaf: { keyHash: keyHash.subarray(1), valueHash } });
        }
        for (const mutant of mutants) expect(verifyStateProof(root, probe, present, mutant)).toBe(false);
        const otherRoot = root.slice();
        flipByte(otherRoot, pick % 32, mask);
        expect(verifyStateProof(otherRoot, probe, present, proof)).toBe(false);
      }),
      fuzzParams(),
    );
  });

  it('encode/decode round-trips and the encoding has the documented layout', () => {
    fc.assert(
      fc.property(mapArb, fc.uint8Array({ maxLength: 8 }), (model, probe) => {
        const proof = treeOf(model).prove(probe);
        const bytes = encodeStateProof(proof);
        const leafBytes = proof.leaf === null ? 0 : 64;
        expect(bytes.length).toBe(4 + leafBytes + 32 * proof.siblings.length);
        expect(bytes[0]).toBe(1);
        expect((bytes[1] as number) | ((bytes[2] as number) << 8)).toBe(proof.siblings.length);
        expect(bytes[3]).toBe(proof.leaf === null ? 0 : 1);
        const decoded = decodeStateProof(bytes);
        expect(decoded.siblings.map(hex)).toEqual(proof.siblings.map(hex));
        expect(decoded.leaf === null ? null : [hex(decoded.leaf.keyHash), hex(decoded.leaf.valueHash)]).toEqual(
          proof.leaf === null ? null : [hex(proof.leaf.keyHash), hex(proof.leaf.valueHash)],
        );
        expect(hex(encodeStateProof(decoded))).toBe(hex(bytes));
        // Every truncation and any trailing byte is refused with a DecodeError.
        for (let cut = 0; cut < bytes.length; cut++) {
          expect(() => decodeStateProof(bytes.subarray(0, cut))).toThrow(DecodeError);
        }
        expect(() => decodeStateProof(Uint8Array.of(...bytes, 0))).toThrow(DecodeError);
      }),
      fuzzParams(0.5),
    );
  });

  it('decoding random bytes either succeeds canonically or throws DecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, validHeader) => {
        const input =
          validHeader && bytes.length >= 4
            ? Uint8Array.of(1, (bytes[1] as number) & 7, 0, (bytes[3] as number) & 1, ...bytes.subarray(4))
            : bytes;
        let decoded: StateProof;
        try {
          decoded = decodeStateProof(input);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
          return;
        }
        expect(hex(encodeStateProof(decoded))).toBe(hex(input));
      }),
      fuzzParams(),
    );
  });

  it('decoding names the field and offset of each documented failure', () => {
    const field = (bytes: Uint8Array): [string, number] => {
      try {
        decodeStateProof(bytes);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        return [error.field, error.offset];
      }
      throw new Error('decoded');
    };
    expect(field(new Uint8Array(0))).toEqual(['stateProof.version', 0]);
    expect(field(Uint8Array.of(2, 0, 0, 0))).toEqual(['stateProof.version', 0]);
    expect(field(Uint8Array.of(1, 0))).toEqual(['stateProof.siblingCount', 1]);
    expect(field(Uint8Array.of(1, 1, 1, 0))).toEqual(['stateProof.siblingCount', 1]); // 257
    expect(field(Uint8Array.of(1, 0, 0, 2))).toEqual(['stateProof.hasLeaf', 3]);
    expect(field(Uint8Array.of(1, 0, 0, 1, 0))).toEqual(['stateProof.leaf.keyHash', 4]);
    expect(field(Uint8Array.of(1, 1, 0, 0, ...new Uint8Array(31)))).toEqual(['stateProof.siblings[0]', 4]);
    expect(field(Uint8Array.of(1, 0, 0, 0, 9))).toEqual(['stateProof', 4]);
    // 256 siblings is the limit and decodes.
    expect(decodeStateProof(Uint8Array.of(1, 0, 1, 0, ...new Uint8Array(256 * 32))).siblings).toHaveLength(256);
  });
});

describe('invalid input throws TypeError/RangeError naming the parameter', () => {
  const tree = new StateTree();
  const ok = text('k');
  const proof: StateProof = { siblings: [], leaf: null };
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    ['update(not an array)', () => tree.update('x' as never), TypeError, /StateTree\.update: .*changes/],
    ['update([null])', () => tree.update([null as never]), TypeError, /changes\[0\]/],
    ['update(string key)', () => tree.update([{ key: 'k' as never, value: ok }]), TypeError, /changes\[0\]\.key/],
    ['update(number value)', () => tree.update([{ key: ok, value: 1 as never }]), TypeError, /changes\[0\]\.value/],
    [
      'updateHashed(31-byte key hash)',
      () => tree.updateHashed([new Uint8Array(31)], [zeros]),
      RangeError,
      /keyHashes\[0\]/,
    ],
    [
      'updateHashed(string value hash)',
      () => tree.updateHashed([zeros], ['x' as never]),
      TypeError,
      /valueHashes\[0\]/,
    ],
    ['updateHashed(lengths differ)', () => tree.updateHashed([zeros], []), RangeError, /valueHashes/],
    ['has(string)', () => tree.has('k' as never), TypeError, /StateTree\.has: .*key/],
    ['prove(number)', () => tree.prove(1 as never), TypeError, /StateTree\.prove: .*key/],
    ['verify(31-byte root)', () => verifyStateProof(new Uint8Array(31), ok, undefined, proof), RangeError, /stateRoot/],
    ['verify(string key)', () => verifyStateProof(zeros, 'k' as never, undefined, proof), TypeError, /key/],
    ['verify(string value)', () => verifyStateProof(zeros, ok, 'v' as never, proof), TypeError, /value/],
    ['verify(null proof)', () => verifyStateProof(zeros, ok, undefined, null as never), TypeError, /proof/],
    [
      'verify(siblings not array)',
      () => verifyStateProof(zeros, ok, undefined, { siblings: 1, leaf: null } as never),
      TypeError,
      /proof\.siblings/,
    ],
    [
      'verify(leaf undefined)',
      () => verifyStateProof(zeros, ok, undefined, { siblings: [] } as never),
      TypeError,
      /proof\.leaf/,
    ],
    [
      'verify(leaf.keyHash string)',
      () => verifyStateProof(zeros, ok, undefined, { siblings: [], leaf: { keyHash: 'x', valueHash: zeros } } as never),
      TypeError,
      /proof\.leaf\.keyHash/,
    ],
    [
      'encode(31-byte sibling)',
      () => encodeStateProof({ siblings: [new Uint8Array(31)], leaf: null }),
      RangeError,
      /proof\.siblings\[0\]/,
    ],
    [
      'encode(257 siblings)',
      () => encodeStateProof({ siblings: Array.from({ length: 257 }, () => zeros), leaf: null }),
      RangeError,
      /proof\.siblings/,
    ],
    ['decode(string)', () => decodeStateProof('x' as never), TypeError, /decodeStateProof: .*bytes/],
  ];
  it.each(cases)('%s', (_name, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('a batch that throws leaves the tree unchanged', () => {
    const fresh = new StateTree();
    fresh.update([{ key: ok, value: ok }]);
    const before = hex(fresh.root);
    expect(() =>
      fresh.update([
        { key: text('new'), value: ok },
        { key: 'bad' as never, value: ok },
      ]),
    ).toThrow(TypeError);
    expect(hex(fresh.root)).toBe(before);
    expect(fresh.size).toBe(1);
  });

  it('a well-formed proof with 257 siblings or odd-length hashes returns false', () => {
    const long = { siblings: Array.from({ length: 257 }, () => zeros), leaf: null };
    expect(verifyStateProof(zeros, ok, undefined, long)).toBe(false);
    expect(verifyStateProof(zeros, ok, undefined, { siblings: [new Uint8Array(33)], leaf: null })).toBe(false);
  });
});
