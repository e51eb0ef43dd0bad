/**
 * The two proof checks of the verifier: an RFC 9162 inclusion proof (a transaction's id under
 * its header's tx root, its receipt under the receipts root) and a state proof (a value, or
 * its absence, under the header's state root). Same algorithms as `src/crypto/merkle.ts`
 * (`verifyMerkleInclusion`) and `src/ledger/state-proof.ts` (`verifyStateProof`), over the
 * verifier's wasm; test/verify/verify.test.ts checks that they agree on random trees and
 * mutated proofs. A well-formed proof that does not prove the claim returns false.
 */
import { merkleLeavesMax, merkleProofHashesMax, stateProofSiblingsMax } from '../limits.js';
import type { StateProofFields } from './layouts.js';
import { prefixedHash, sha256 } from './wasm-core.js';

const leafPrefix = 0x00;
const nodePrefix = 0x01;
const hashBytes = 32;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** An RFC 9162 §2.1.3 inclusion proof: the audit path (bottom-up) from leaf `leafIndex` of a tree of `treeSize` leaves. */
export interface InclusionProofFields {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly path: readonly Uint8Array[];
}

/**
 * True iff `proof` shows that leaf data `leaf` is leaf `proof.leafIndex` of the tree of
 * `proof.treeSize` leaves whose root is `root` (RFC 9162 §2.1.3.2).
 */
export function verifyInclusion(leaf: Uint8Array, proof: InclusionProofFields, root: Uint8Array): boolean {
  const { leafIndex, treeSize, path } = proof;
  if (!(Number.isSafeInteger(leafIndex) && Number.isSafeInteger(treeSize))) return false;
  if (leafIndex < 0 || leafIndex >= treeSize || treeSize > merkleLeavesMax) return false;
  if (path.length > merkleProofHashesMax) return false;
  for (const node of path) if (node.length !== hashBytes) return false;
  // Steps 2–5 of §2.1.3.2; fn and sn fit 32-bit operations since treeSize ≤ merkleLeavesMax.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = prefixedHash(leafPrefix, [leaf]);
  for (const p of path) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = prefixedHash(nodePrefix, [p, r]);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      r = prefixedHash(nodePrefix, [r, p]);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0 && equalBytes(r, root);
}

/** Bit `index` of a 32-byte key hash, most significant bit of byte 0 first (0 = left). */
function keyBit(keyHash: Uint8Array, index: number): number {
  return ((keyHash[index >>> 3] as number) >>> (7 - (index & 7))) & 1;
}

/**
 * True iff `proof` shows that `key` maps to `value` (or, with `value` undefined, is absent)
 * in the state map whose root is `stateRoot`. The construction (docs/architecture.md,
 * "Authenticated state"): keyHash = SHA-256(key); leaf = SHA-256(0x00 ‖ keyHash ‖ valueHash);
 * node = SHA-256(0x01 ‖ left ‖ right); empty = 32 zero bytes; siblings fold bottom-up on the
 * side bit i of keyHash gives. Absence is an empty slot, or another key's leaf alone in the
 * subtree where the key would be (its first siblings.length bits equal the key's).
 */
export function verifyState(
  stateRoot: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: StateProofFields,
): boolean {
  const { siblings, leaf } = proof;
  if (siblings.length > stateProofSiblingsMax) return false;
  const keyHash = sha256(key);
  if (value !== undefined) {
    if (leaf === null || !equalBytes(leaf.keyHash, keyHash) || !equalBytes(leaf.valueHash, sha256(value))) return false;
  } else if (leaf !== null) {
    if (equalBytes(leaf.keyHash, keyHash)) return false;
    for (let i = 0; i < siblings.length; i++) if (keyBit(leaf.keyHash, i) !== keyBit(keyHash, i)) return false;
  }
  let running = leaf === null ? new Uint8Array(hashBytes) : prefixedHash(leafPrefix, [leaf.keyHash, leaf.valueHash]);
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const sibling = siblings[depth] as Uint8Array;
    running =
      keyBit(keyHash, depth) === 0
        ? prefixedHash(nodePrefix, [running, sibling])
        : prefixedHash(nodePrefix, [sibling, running]);
  }
  return equalBytes(running, stateRoot);
}
