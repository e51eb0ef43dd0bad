/**
 * Commit certificates against a validator set: who the validators are (the genesis members
 * that run replicas), how many make a quorum (src/consensus/quorum.ts owns that arithmetic: a
 * dependency-free module every layer may read), how to sign one and how to check one — every
 * signature verified in one batch. The consensus layer forms
 * certificates from COMMIT votes; the store keeps them; anyone holding the genesis checks them.
 */
import { bytesEqual } from '../bytes.js';
import {
  type CommitCertificate,
  type CommitSignature,
  commitVoteMessage,
  compareKeys,
  encodeCertificate,
} from '../codec/certificate.js';
import type { Genesis } from '../codec/genesis.js';
import { quorumSize } from '../consensus/quorum.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { ed25519Sign } from '../crypto/ed25519.js';

/** The validators' public keys, ascending (the genesis members with `validator: true`). */
export function validatorKeys(genesis: Genesis): Uint8Array[] {
  return genesis.members.filter((member) => member.validator).map((member) => member.publicKey);
}

/** A certificate signed by the given validators' secret keys (tools and tests; PBFT collects votes instead). */
export function signCertificate(
  chainId: string,
  view: number,
  height: number,
  blockHash: Uint8Array,
  signers: readonly { publicKey: Uint8Array; secretKey: Uint8Array }[],
): Uint8Array {
  const message = commitVoteMessage(chainId, view, height, blockHash);
  const signatures: CommitSignature[] = signers
    .map((signer) => ({ publicKey: signer.publicKey, signature: ed25519Sign(signer.secretKey, message) }))
    .sort((a, b) => compareKeys(a.publicKey, b.publicKey));
  return encodeCertificate({ height, blockHash, view, signatures });
}

/** Why a certificate does not certify a block, or undefined when it does. */
export async function certificateProblem(
  certificate: CommitCertificate,
  chainId: string,
  validators: readonly Uint8Array[],
  height: number,
  blockHash: Uint8Array,
  crypto: CryptoBackend,
): Promise<string | undefined> {
  if (certificate.height !== height) return `certificate is for height ${certificate.height}, not ${height}`;
  if (!bytesEqual(certificate.blockHash, blockHash)) return 'certificate names another block hash';
  const members = new Set(validators.map((key) => Buffer.from(key).toString('hex')));
  for (const entry of certificate.signatures) {
    if (!members.has(Buffer.from(entry.publicKey).toString('hex'))) {
      return `certificate is signed by ${Buffer.from(entry.publicKey).toString('hex')}, not a validator`;
    }
  }
  const needed = quorumSize(validators.length);
  if (certificate.signatures.length < needed) {
    return `certificate has ${certificate.signatures.length} signatures, a quorum is ${needed}`;
  }
  const message = commitVoteMessage(chainId, certificate.view, height, blockHash);
  const verdicts = await crypto.verifyBatch(
    certificate.signatures.map((entry) => ({ publicKey: entry.publicKey, message, signature: entry.signature })),
  );
  const bad = verdicts.indexOf(false);
  return bad === -1 ? undefined : `certificate signature ${bad} does not verify`;
}
