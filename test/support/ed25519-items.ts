/**
 * Signed Ed25519 items for the pool and backend tests: `count` items over eight keys, with
 * messages of 16 to 63 bytes. Signing is node:crypto, so building a few thousand is quick.
 */
import { type Ed25519BatchItem, ed25519GenerateKeyPair, ed25519Sign } from '../../src/crypto/ed25519.js';

/** The eight signing keys of {@link signedItems}. */
export const itemKeys = Array.from({ length: 8 }, () => ed25519GenerateKeyPair());

/** `count` valid signed items; tests copy and corrupt them. */
export function signedItems(count: number): Ed25519BatchItem[] {
  return Array.from({ length: count }, (_, i) => {
    const { publicKey, secretKey } = itemKeys[i % itemKeys.length] as (typeof itemKeys)[number];
    const message = Uint8Array.from({ length: 16 + (i % 48) }, (_, j) => (i * 131 + j * 7) & 0xff);
    return { publicKey, message, signature: ed25519Sign(secretKey, message) };
  });
}
