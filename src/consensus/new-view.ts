/**
 * NEW-VIEW messages: the PRE-PREPAREs the new primary puts in one, and the
 * check a backup applies to one (signatures, the message's own and every nested one, already
 * verified in a batch): it must come from the new view's primary, hold 2f + 1 well-formed
 * VIEW-CHANGEs for that view from distinct members, and propose exactly the blocks
 * `planNewView` computes from them.
 */
import { bytesEqual } from '../bytes.js';
import type { ConsensusBody, NewViewMessage, PrePrepareMessage } from '../codec/consensus.js';
import type { Members } from './members.js';
import { readProposal } from './proposal.js';
import { type NewViewPlan, planNewView, viewChangeProblem } from './view-change.js';

/** Why a NEW-VIEW does not hold together, or undefined when it does. */
export function newViewProblem(
  message: NewViewMessage,
  members: Members,
  genesisBlockHash: Uint8Array,
  watermarkWindow: number,
): string | undefined {
  if (members.indexOf(message.sender) !== members.primaryIndex(message.view)) return 'not from the primary';
  const senders = new Set<number>();
  for (const viewChange of message.viewChanges) {
    if (viewChange.newView !== message.view) return 'holds a VIEW-CHANGE for another view';
    const key = members.indexOf(viewChange.sender);
    if (senders.has(key)) return 'holds two VIEW-CHANGEs from one member';
    senders.add(key);
    const problem = viewChangeProblem(viewChange, members, genesisBlockHash, watermarkWindow);
    if (problem !== undefined) return problem;
  }
  // q VIEW-CHANGEs: they intersect every quorum that committed a block in a lower view in a
  // correct member, whose VIEW-CHANGE carries that block's prepared certificate.
  if (senders.size < members.quorum) return `holds fewer than q = ${members.quorum} VIEW-CHANGEs`;
  // Recompute what the NEW-VIEW must propose; digests come from the blocks, never from the message.
  const plan = planNewView(message.viewChanges);
  if (plan.proposals.length !== message.prePrepares.length) return 'proposes another set of blocks';
  for (let i = 0; i < plan.proposals.length; i++) {
    const expected = plan.proposals[i] as NewViewPlan['proposals'][number];
    const prePrepare = message.prePrepares[i] as PrePrepareMessage;
    if (prePrepare.view !== message.view || !bytesEqual(prePrepare.sender, message.sender))
      return 'holds a foreign pre-prepare';
    if (prePrepare.sequence !== expected.sequence || !bytesEqual(prePrepare.digest, expected.digest)) {
      return `pre-prepare ${i} differs from the recomputed one`;
    }
    const parts = readProposal(prePrepare.block);
    if (parts === undefined || !bytesEqual(parts.hash, prePrepare.digest))
      return `pre-prepare ${i} carries another block`;
  }
  return undefined;
}

/** The PRE-PREPAREs (to be signed) with which the new primary re-proposes `plan`'s blocks in `view`. */
export function prePrepareBodies(view: number, plan: NewViewPlan): ConsensusBody[] {
  return plan.proposals.map((proposal) => ({
    kind: 'pre-prepare',
    view,
    sequence: proposal.sequence,
    digest: proposal.digest,
    block: proposal.block,
  }));
}
