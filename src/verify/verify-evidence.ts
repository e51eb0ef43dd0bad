/**
 * The two calls of the verifier. Each checks one piece of evidence end to end against the
 * genesis info and answers a verdict; the checks run in the order of `verdictReasons`, and the
 * first that fails gives the reason. Only a programmer error throws (the wasm not loaded, a
 * bug); anything wrong with the evidence or the genesis is a verdict.
 */
import { DecodeError } from '../errors.js';
import { checkCertificate, checkGenesisNumbers } from './certificate-check.js';
import {
  type GenesisBytes,
  type GenesisInfo,
  parseGenesisInfo,
  parseStateEvidence,
  parseTransactionEvidence,
  type StateEvidence,
  type TransactionEvidence,
} from './evidence.js';
import { toHex } from './hex.js';
import { type HeaderFields, readHeader, readStateProof, type StateProofFields } from './layouts.js';
import { verifyInclusion, verifyState as verifyStateProof } from './proofs.js';
import { type StateVerdict, type TransactionVerdict, VerdictStop } from './verdict.js';
import { sha256, verifierReady } from './wasm-core.js';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs `check`, turning a `VerdictStop` into its verdict. */
function verdictOf<T>(check: () => T): T | VerdictStop['verdict'] {
  if (!verifierReady()) throw new Error('consortium-ledger/verify: await initVerifier({ wasm }) before verifying');
  try {
    return check();
  } catch (error) {
    if (error instanceof VerdictStop) return error.verdict;
    throw error;
  }
}

function genesisOf(value: unknown): GenesisBytes {
  const genesis = parseGenesisInfo(value);
  checkGenesisNumbers(genesis);
  return genesis;
}

function decoded<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DecodeError) throw new VerdictStop('malformed-evidence', error.message);
    throw error;
  }
}

function checkChain(chainId: string | undefined, genesis: GenesisBytes): void {
  if (chainId !== undefined && chainId !== genesis.chainId) {
    throw new VerdictStop('chain-mismatch', `the evidence is from chain ${chainId}, the genesis is ${genesis.chainId}`);
  }
}

/** Decodes the header and checks the evidence's claims about it; returns its fields and hash. */
function certifiableHeader(
  evidence: { height?: number | undefined; blockHash?: Uint8Array | undefined },
  headerBytes: Uint8Array,
): { header: HeaderFields; blockHash: Uint8Array } {
  const header = decoded(() => readHeader(headerBytes));
  const blockHash = sha256(headerBytes);
  if (evidence.blockHash !== undefined && !equalBytes(evidence.blockHash, blockHash)) {
    throw new VerdictStop(
      'header-mismatch',
      `the evidence names block ${toHex(evidence.blockHash)}, the header hashes to ${toHex(blockHash)}`,
    );
  }
  if (evidence.height !== undefined && evidence.height !== header.height) {
    throw new VerdictStop(
      'header-mismatch',
      `the evidence names height ${evidence.height}, the header is block ${header.height}`,
    );
  }
  return { header, blockHash };
}

/**
 * Checks transaction evidence end to end: the tx id is SHA-256 of the transaction's bytes;
 * the inclusion proof leads from it, at `txIndex` of the block's `txCount`, to the header's
 * tx root; the receipt, if given, is proven likewise under the receipts root; the block hash
 * is SHA-256 of the header; and the commit certificate for that height and hash is signed by
 * a quorum of the genesis's validators.
 *
 * @param evidence - as `consortium-ledger tx <id> --json` prints it ({@link TransactionEvidence}).
 * @param genesis - as `consortium-ledger genesis --json` prints it ({@link GenesisInfo}).
 * @returns `{ ok: true, facts }`, or `{ ok: false, reason, detail }` with the first check that failed.
 * @throws Error only if {@link initVerifier} has not finished.
 */
export function verifyTransaction(
  evidence: TransactionEvidence | unknown,
  genesis: GenesisInfo | unknown,
): TransactionVerdict {
  return verdictOf(() => {
    const validators = genesisOf(genesis);
    const parsed = parseTransactionEvidence(evidence);
    checkChain(parsed.chainId, validators);
    const txId = sha256(parsed.tx);
    if (parsed.txId !== undefined && !equalBytes(parsed.txId, txId)) {
      throw new VerdictStop(
        'tx-id-mismatch',
        `the evidence names tx ${toHex(parsed.txId)}, its bytes hash to ${toHex(txId)}`,
      );
    }
    const { header, blockHash } = certifiableHeader(parsed, parsed.header);
    const { proof } = parsed;
    if (proof.leafIndex !== parsed.txIndex || proof.treeSize !== header.txCount) {
      throw new VerdictStop(
        'inclusion-proof-invalid',
        `the proof is for leaf ${proof.leafIndex} of ${proof.treeSize}; the transaction is at index ${parsed.txIndex} of a block of ${header.txCount}`,
      );
    }
    if (!verifyInclusion(txId, proof, header.txRoot)) {
      throw new VerdictStop(
        'inclusion-proof-invalid',
        `the proof does not lead from tx ${toHex(txId)} at index ${proof.leafIndex} to the header's tx root ${toHex(header.txRoot)}`,
      );
    }
    let receiptCode: number | null = null;
    if (parsed.receipt !== undefined) {
      const receipt = parsed.receipt;
      const leaf = new Uint8Array(33);
      leaf.set(txId, 0);
      leaf[32] = receipt.code;
      if (
        receipt.proof.leafIndex !== parsed.txIndex ||
        receipt.proof.treeSize !== header.txCount ||
        !verifyInclusion(leaf, receipt.proof, header.receiptsRoot)
      ) {
        throw new VerdictStop(
          'receipt-proof-invalid',
          `the receipt (code ${receipt.code}) is not proven at index ${parsed.txIndex} under the header's receipts root ${toHex(header.receiptsRoot)}`,
        );
      }
      receiptCode = receipt.code;
    }
    const certified = checkCertificate(parsed.certificate, header.height, blockHash, validators);
    return { ok: true as const, facts: { ...certified, txId: toHex(txId), txIndex: parsed.txIndex, receiptCode } };
  });
}

/**
 * Checks state evidence end to end: the state proof proves `value` (or, for null, the key's
 * absence) under the header's state root, and the commit certificate for the header's height
 * and hash is signed by a quorum of the genesis's validators.
 *
 * @param evidence - as `consortium-ledger state <key> --prove --json` prints it ({@link StateEvidence}).
 * @param genesis - as `consortium-ledger genesis --json` prints it ({@link GenesisInfo}).
 * @returns `{ ok: true, facts }`, or `{ ok: false, reason, detail }` with the first check that failed.
 * @throws Error only if {@link initVerifier} has not finished.
 */
export function verifyState(evidence: StateEvidence | unknown, genesis: GenesisInfo | unknown): StateVerdict {
  return verdictOf(() => {
    const validators = genesisOf(genesis);
    const parsed = parseStateEvidence(evidence);
    checkChain(parsed.chainId, validators);
    const { header, blockHash } = certifiableHeader(parsed, parsed.header);
    if (parsed.stateRoot !== undefined && !equalBytes(parsed.stateRoot, header.stateRoot)) {
      throw new VerdictStop(
        'header-mismatch',
        `the evidence names state root ${toHex(parsed.stateRoot)}, the header's is ${toHex(header.stateRoot)}`,
      );
    }
    const proof: StateProofFields = decoded(() => readStateProof(parsed.proof));
    if (!verifyStateProof(header.stateRoot, parsed.key, parsed.value, proof)) {
      const claim = parsed.value === undefined ? 'the absence of' : 'the value of';
      throw new VerdictStop(
        'state-proof-invalid',
        `the proof does not prove ${claim} key ${toHex(parsed.key)} under the header's state root ${toHex(header.stateRoot)}`,
      );
    }
    const certified = checkCertificate(parsed.certificate, header.height, blockHash, validators);
    return {
      ok: true as const,
      facts: {
        ...certified,
        key: toHex(parsed.key),
        value: parsed.value === undefined ? null : toHex(parsed.value),
        stateRoot: toHex(header.stateRoot),
      },
    };
  });
}
