/**
 * Signature verification for the replica: every message's signature, and every nested
 * message's, is verified before the message is counted, as few calls of the batch verifier
 * as the batch limit allows.
 */
import { type ConsensusMessage, consensusSignatureItems } from '../codec/consensus.js';
import type { Ed25519BatchItem } from '../crypto/ed25519.js';
import { ed25519BatchItemsMax } from '../limits.js';

/** A batch verifier: one verdict per item, in order. */
export type BatchVerifier = (items: readonly Ed25519BatchItem[]) => boolean[];

/** Verifies `items` with `verify` in batches of at most `limits.ed25519BatchItemsMax` items. */
export function verifyInBatches(verify: BatchVerifier, items: readonly Ed25519BatchItem[]): boolean[] {
  if (items.length <= ed25519BatchItemsMax) return verify(items);
  const verdicts: boolean[] = [];
  for (let start = 0; start < items.length; start += ed25519BatchItemsMax) {
    verdicts.push(...verify(items.slice(start, start + ed25519BatchItemsMax)));
  }
  return verdicts;
}

/** Whether each message's signatures (its own and every nested message's) all verify, in one call of `verify`. */
export function verifyMessages(messages: readonly ConsensusMessage[], verify: BatchVerifier): boolean[] {
  const itemsPerMessage = messages.map((message) => consensusSignatureItems(message));
  const verdicts = verify(itemsPerMessage.flat());
  let at = 0;
  return itemsPerMessage.map((items) => {
    const count = items.length;
    let valid = true;
    for (let k = at; k < at + count; k++) valid &&= verdicts[k] === true;
    at += count;
    return valid;
  });
}
