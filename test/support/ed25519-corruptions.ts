/**
 * Ways to corrupt an Ed25519 batch item, shared by the pool and crypto-backend tests: every
 * kind a verifier must refuse, and one (`smallOrder`) that ZIP-215 accepts.
 */
import type { Ed25519BatchItem } from '../../src/crypto/ed25519.js';

/** The group order L (RFC 8032 §5.1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export type Corruption = 'signatureBit' | 'messageBit' | 'keyBit' | 'sTooBig' | 'smallOrder' | 'badPoint' | 'swapKey';
export const corruptions: Corruption[] = [
  'signatureBit',
  'messageBit',
  'keyBit',
  'sTooBig',
  'smallOrder',
  'badPoint',
  'swapKey',
];

/** A little-endian 32-byte scalar. */
export function scalarBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/**
 * A corrupted copy of `item`; `smallOrder` is valid under ZIP-215, the others never verify.
 * `keys` (at least two) supplies another signer's key for `swapKey`.
 */
export function corrupt(
  item: Ed25519BatchItem,
  how: Corruption,
  pick: number,
  keys: readonly { publicKey: Uint8Array }[],
): Ed25519BatchItem {
  const flip = (bytes: Uint8Array) => {
    const copy = bytes.slice();
    const at = pick % copy.length;
    copy[at] = (copy[at] as number) ^ (1 << (pick & 7));
    return copy;
  };
  switch (how) {
    case 'signatureBit':
      return { ...item, signature: flip(item.signature) };
    case 'messageBit':
      return { ...item, message: flip(item.message) };
    case 'keyBit':
      return { ...item, publicKey: flip(item.publicKey) };
    case 'sTooBig': {
      const signature = item.signature.slice();
      signature.set(scalarBytes([L, L + 1n, 2n ** 256n - 1n][pick % 3] as bigint), 32);
      return { ...item, signature };
    }
    case 'smallOrder': {
      // A = identity (0x01 0…0), R = identity, S = 0: [8]([S]B − [k]A − R) is the identity for any k.
      const identity = scalarBytes(1n);
      const signature = new Uint8Array(64);
      signature.set(identity, 0);
      return { publicKey: identity, message: item.message, signature };
    }
    case 'badPoint':
      // y = 2 is not on the curve: A does not decode.
      return { ...item, publicKey: scalarBytes(2n) };
    case 'swapKey':
      return { ...item, publicKey: (keys[(pick % (keys.length - 1)) + 1] as { publicKey: Uint8Array }).publicKey };
  }
}
