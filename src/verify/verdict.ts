/**
 * What the verifier answers: `{ ok: true, facts }` with what the evidence proved, or
 * `{ ok: false, reason, detail }` with a stable reason code to branch on and a sentence for
 * a person. Reason codes are part of the public API: never renamed, only added.
 */

/** Every reason a piece of evidence can fail, in the order the checks run. */
export const verdictReasons = [
  /** The genesis info is not `{ chainId, validators: [hex keys] }`, or its n/f/q contradict its validators. */
  'malformed-genesis',
  /** The evidence is not of the documented shape, a hex field is not hex, or bytes do not decode (the detail names the field). */
  'malformed-evidence',
  /** The evidence names another chain than the genesis. */
  'chain-mismatch',
  /** The transaction's bytes do not hash to the tx id the evidence names. */
  'tx-id-mismatch',
  /** The header is not the block the evidence names: its hash, height or state root differ. */
  'header-mismatch',
  /** The tx id is not at `txIndex` under the header's tx root (path, index or tree size wrong). */
  'inclusion-proof-invalid',
  /** The receipt (tx id ‖ code) is not at `txIndex` under the header's receipts root. */
  'receipt-proof-invalid',
  /** The state proof does not prove the value (or the absence) under the header's state root. */
  'state-proof-invalid',
  /** The certificate certifies another block (height or hash) than this header. */
  'certificate-block-mismatch',
  /** A certificate signer is not a validator of the genesis. */
  'certificate-signer-unknown',
  /** Fewer distinct validators signed than a quorum q = ⌈(n + f + 1)/2⌉ of the genesis's n. */
  'certificate-short-of-quorum',
  /** A certificate signature does not verify (ZIP-215) over the commit vote. */
  'certificate-signature-invalid',
] as const;

/** A stable reason code (see {@link verdictReasons}). */
export type VerdictReason = (typeof verdictReasons)[number];

/** A failed verification. */
export interface VerdictFailure {
  /** False: the evidence does not prove its claim. */
  readonly ok: false;
  /** Stable code to branch on. */
  readonly reason: VerdictReason;
  /** What exactly was wrong, for a person. */
  readonly detail: string;
}

/** What a certificate check established. */
export interface CertifiedBlock {
  /** The chain id of the genesis (every commit vote signs it). */
  readonly chainId: string;
  /** Height of the certified block. */
  readonly height: number;
  /** Its hash (SHA-256 of the header bytes), hex. */
  readonly blockHash: string;
  /** The PBFT view the certificate was formed in. */
  readonly view: number;
  /** Validators whose signatures verified. */
  readonly signers: number;
  /** n: validators in the genesis. */
  readonly validators: number;
  /** q: signatures a quorum needs. */
  readonly quorum: number;
}

/** What valid transaction evidence proves. */
export interface TransactionFacts extends CertifiedBlock {
  /** SHA-256 of the transaction's bytes, hex. */
  readonly txId: string;
  /** Its position in the block. */
  readonly txIndex: number;
  /** Its receipt code (0 applied, else the refusal reason) when the evidence proves the receipt; else null. */
  readonly receiptCode: number | null;
}

/** What valid state evidence proves. */
export interface StateFacts extends CertifiedBlock {
  /** The state key, hex. */
  readonly key: string;
  /** Its value after the block, hex, or null: the key is absent. */
  readonly value: string | null;
  /** The header's state root, hex. */
  readonly stateRoot: string;
}

/** A successful verification and what it proved. */
export interface VerdictSuccess<Facts> {
  /** True: every check passed. */
  readonly ok: true;
  /** What the evidence proved. */
  readonly facts: Facts;
}

/** The verdict on transaction evidence. */
export type TransactionVerdict = VerdictSuccess<TransactionFacts> | VerdictFailure;

/** The verdict on state evidence. */
export type StateVerdict = VerdictSuccess<StateFacts> | VerdictFailure;

/** A failed verdict. */
export function fail(reason: VerdictReason, detail: string): VerdictFailure {
  return { ok: false, reason, detail };
}

/** Thrown inside the checks to stop at the first failure; turned into a verdict at the API. */
export class VerdictStop extends Error {
  readonly verdict: VerdictFailure;

  constructor(reason: VerdictReason, detail: string) {
    super(`${reason}: ${detail}`);
    this.verdict = fail(reason, detail);
  }
}
