/**
 * Checks that a commit certificate certifies a header for the genesis's validators: it names
 * this header's height and hash, its signers are distinct validators of the genesis, there
 * are at least q = quorumSize(n) of them (src/consensus/quorum.ts, the arithmetic consensus
 * itself uses), and every signature verifies over the commit vote in one batch. The same
 * checks, in the same order, as `certificateProblem` in src/ledger/quorum.ts.
 */
import { faultsTolerated, quorumSize } from '../consensus/quorum.js';
import { DecodeError } from '../errors.js';
import type { GenesisBytes } from './evidence.js';
import { toHex } from './hex.js';
import { commitVoteMessage, readCertificate } from './layouts.js';
import { type CertifiedBlock, VerdictStop } from './verdict.js';
import { verifyVotes } from './wasm-core.js';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks the optional n, f and q a genesis info states against its validators.
 * @throws VerdictStop('malformed-genesis') if the keys repeat or a stated number is not the computed one.
 */
export function checkGenesisNumbers(genesis: GenesisBytes & { n?: unknown; f?: unknown; q?: unknown }): void {
  const keys = new Set(genesis.validators.map(toHex));
  if (keys.size !== genesis.validators.length) {
    throw new VerdictStop('malformed-genesis', 'genesis.validators lists a key twice');
  }
  const n = genesis.validators.length;
  const computed = { n, f: faultsTolerated(n), q: quorumSize(n) };
  for (const name of ['n', 'f', 'q'] as const) {
    const stated = genesis[name];
    if (stated !== undefined && stated !== computed[name]) {
      throw new VerdictStop(
        'malformed-genesis',
        `genesis.${name} is ${JSON.stringify(stated)}, but ${n} validators give n = ${n}, f = ${computed.f}, q = ${computed.q}`,
      );
    }
  }
}

/**
 * Checks that `certificateBytes` certify the block at `height` with hash `blockHash`.
 * @throws VerdictStop with the reason of the first check that fails.
 */
export function checkCertificate(
  certificateBytes: Uint8Array,
  height: number,
  blockHash: Uint8Array,
  genesis: GenesisBytes,
): CertifiedBlock {
  let certificate: ReturnType<typeof readCertificate>;
  try {
    certificate = readCertificate(certificateBytes);
  } catch (error) {
    if (error instanceof DecodeError) throw new VerdictStop('malformed-evidence', error.message);
    throw error;
  }
  if (certificate.height !== height) {
    throw new VerdictStop(
      'certificate-block-mismatch',
      `the certificate is for height ${certificate.height}, the header is block ${height}`,
    );
  }
  if (!equalBytes(certificate.blockHash, blockHash)) {
    throw new VerdictStop(
      'certificate-block-mismatch',
      `the certificate names block hash ${toHex(certificate.blockHash)}, the header hashes to ${toHex(blockHash)}`,
    );
  }
  const validators = new Set(genesis.validators.map(toHex));
  const signers = new Set<string>();
  for (const entry of certificate.signatures) {
    const key = toHex(entry.publicKey);
    if (!validators.has(key)) {
      throw new VerdictStop(
        'certificate-signer-unknown',
        `the certificate is signed by ${key}, not a genesis validator`,
      );
    }
    // The canonical order already makes a repeat unencodable; counting distinct keys states the rule here too.
    signers.add(key);
  }
  const n = genesis.validators.length;
  const q = quorumSize(n);
  if (signers.size < q) {
    throw new VerdictStop(
      'certificate-short-of-quorum',
      `the certificate has ${signers.size} distinct validator signatures; ${n} validators need q = ${q}`,
    );
  }
  const message = commitVoteMessage(genesis.chainId, certificate.view, height, blockHash);
  const verdicts = verifyVotes(certificate.signatures, message);
  const bad = verdicts.indexOf(0);
  if (bad !== -1) {
    const key = toHex((certificate.signatures[bad] as { publicKey: Uint8Array }).publicKey);
    throw new VerdictStop(
      'certificate-signature-invalid',
      `signature ${bad} (validator ${key}) does not verify over the commit vote for block ${height} in view ${certificate.view} on chain ${genesis.chainId}`,
    );
  }
  return {
    chainId: genesis.chainId,
    height,
    blockHash: toHex(blockHash),
    view: certificate.view,
    signers: signers.size,
    validators: n,
    quorum: q,
  };
}
