/**
 * The RFC 9162 root computed the way a library with only a one-message hash API must: one hash
 * call per leaf and per node. The hash benchmark's peer rows (node:crypto, as-sha256,
 * hash-wasm, noble) run it with each library's hash; test/bench/merkle-reference.test.ts
 * checks it against `merkleRoot` for leaves of every length.
 */
import { hash as nodeHash } from 'node:crypto';

/** A hash of one whole message, as a peer library offers it. */
export type HashOneFn = (data: Uint8Array) => Uint8Array;

const nodeCryptoSha256: HashOneFn = (data) => nodeHash('sha256', data, 'buffer');

/**
 * The RFC 9162 root of `leaves` with one `hash` call per leaf (SHA-256(0x00 ‖ leaf)) and per
 * node (SHA-256(0x01 ‖ left ‖ right)); an odd level carries its last node up unchanged. The
 * 0x00 ‖ leaf and 0x01 ‖ left ‖ right inputs are assembled in reused buffers (grown for a
 * longer leaf), as a careful caller of such an API would, so the peers are not charged an
 * allocation per hash. `hash` must not keep its input.
 */
export function merkleRootOneCallPerNode(
  leaves: readonly Uint8Array[],
  hash: HashOneFn = nodeCryptoSha256,
): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  let leafBuffer = new Uint8Array(33);
  const nodeBuffer = new Uint8Array(65);
  nodeBuffer[0] = 1;
  let level = leaves.map((leaf) => {
    if (leaf.length + 1 > leafBuffer.length) leafBuffer = new Uint8Array(leaf.length + 1);
    leafBuffer.set(leaf, 1);
    return hash(leafBuffer.subarray(0, leaf.length + 1));
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      nodeBuffer.set(level[i] as Uint8Array, 1);
      nodeBuffer.set(level[i + 1] as Uint8Array, 33);
      next.push(hash(nodeBuffer));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return level[0] as Uint8Array;
}
