/**
 * Checks of a block proposed at the committed tip's height + 1, beyond its own well-formedness
 * (proposal.ts): that it links to the tip and carries the tip's certificate. The driver still
 * executes the block (a `validate` effect); these are the checks the replica can make alone.
 */
import { bytesEqual } from '../bytes.js';
import type { Ed25519BatchItem } from '../crypto/ed25519.js';
import { blockBytesMax } from '../limits.js';
import type { Members } from './members.js';
import type { CommittedTip } from './options.js';
import { carriesCertificate, certificateClaims, type ProposalParts, readProposal } from './proposal.js';

/**
 * The parts of a block the driver built for this replica (`proposer`) to propose at `height`
 * on `tip`, or why it does not fit: malformed, over the size limit, another height, not linked
 * to the tip, not carrying the tip's certificate, or naming another proposer.
 */
export function proposedBlock(
  block: Uint8Array,
  height: number,
  tip: CommittedTip,
  proposer: Uint8Array,
): ProposalParts | string {
  const parts = readProposal(block);
  if (parts === undefined) return 'block is malformed';
  if (block.length > blockBytesMax) return 'block is over the size limit';
  if (parts.header.height !== height) return `block has height ${parts.header.height}, ${height} was asked for`;
  if (!bytesEqual(parts.header.previousHash, tip.blockHash)) return 'block does not link to the last committed block';
  if (!bytesEqual(parts.previousCertificate, tip.certificate) || !carriesCertificate(parts)) {
    return "block does not carry the previous block's certificate";
  }
  if (!bytesEqual(parts.header.proposer, proposer)) return 'block names another proposer';
  return parts;
}

/**
 * Checks a block at `height` = tip + 1 against the committed tip: link and the previous
 * certificate, whose signatures `verify` checks (one verdict per item). Returns why it fails,
 * or undefined.
 */
export function linkProblem(
  parts: ProposalParts,
  height: number,
  tip: CommittedTip,
  chainId: string,
  members: Members,
  verify: (items: readonly Ed25519BatchItem[]) => boolean[],
): string | undefined {
  if (!bytesEqual(parts.header.previousHash, tip.blockHash)) return 'does not link';
  if (!carriesCertificate(parts)) return 'certificate hash mismatch';
  if (height === 1) return parts.previousCertificate.length === 0 ? undefined : 'block 1 carries a certificate';
  const claims = certificateClaims(parts.previousCertificate, chainId, members, height - 1, tip.blockHash);
  if (typeof claims === 'string') return claims;
  return verify(claims.items).every((ok) => ok) ? undefined : 'certificate signature does not verify';
}
