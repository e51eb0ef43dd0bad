/**
 * Byzantine members. Each runs the real replica, and an adversary bends what it sends:
 *
 * - `silent`: sends nothing, submits nothing (a crashed or censoring member).
 * - `equivocate`: as primary, sends its block to half the members and a forged sibling (same
 *   height, another state root, re-signed) to the other half; serves corrupt blocks in state
 *   transfer.
 * - `forge`: sends copies of its messages with broken signatures, COMMITs signed in other
 *   members' names, votes for blocks that do not exist, and mutated replays of its old
 *   messages (views shifted, which breaks their signatures) and old proposals as they were.
 * - `flood`: VIEW-CHANGEs for huge and stale view numbers, and REQUESTs of garbage.
 * - `twins` is not an adversary: the simulation runs a second honest replica with the same key
 *   in another partition (equivocation and amnesia without attack code).
 * - `mixed`: each Byzantine member draws one of the above.
 */
import { blockHash, blockHeaderBytes } from '../src/codec/block.js';
import {
  type ConsensusBody,
  consensusMessageKind,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type PrePrepareMessage,
  type StateResponseMessage,
} from '../src/codec/consensus.js';
import type { Prng } from '../src/prng.js';
import type { Adversary, SimNode } from './node.js';

/** How Byzantine members behave. */
export type ByzantineMode = 'silent' | 'equivocate' | 'twins' | 'forge' | 'flood' | 'mixed';

/** The modes the CLI accepts. */
export const byzantineModes: readonly ByzantineMode[] = ['silent', 'equivocate', 'twins', 'forge', 'flood', 'mixed'];

/** What an adversary needs to know. */
export interface AdversaryContext {
  readonly chainId: string;
  /** Every validator's key (ascending). */
  readonly validators: readonly Uint8Array[];
  readonly genesisBlockHash: Uint8Array;
  readonly prng: Prng;
}

type Out = { to: Uint8Array | undefined; bytes: Uint8Array };

/** The adversary for `mode` (undefined for `twins`, whose members are honest replicas). */
export function adversaryFor(mode: Exclude<ByzantineMode, 'mixed'>, context: AdversaryContext): Adversary | undefined {
  switch (mode) {
    case 'silent':
      return { submits: false, outgoing: () => [], onTick: () => [] };
    case 'equivocate':
      return equivocator(context);
    case 'forge':
      return forger(context);
    case 'flood':
      return flooder(context);
    case 'twins':
      return undefined;
  }
}

function others(context: AdversaryContext, node: SimNode): Uint8Array[] {
  return context.validators.filter((key) => Buffer.compare(key, node.identity.publicKey) !== 0);
}

function sign(context: AdversaryContext, node: SimNode, body: ConsensusBody): Uint8Array {
  return encodeConsensusMessage(context.chainId, node.identity, body);
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

/** A STATE-RESPONSE with every block's header altered (its certificate no longer matches), re-signed. */
function corruptStateResponse(context: AdversaryContext, node: SimNode, bytes: Uint8Array): Uint8Array {
  const response = decodeConsensusMessage(context.chainId, bytes) as StateResponseMessage;
  const entries = response.entries.map((entry) => ({
    block: flipped(entry.block, 100),
    certificate: entry.certificate,
  }));
  return sign(context, node, { kind: 'state-response', entries });
}

function equivocator(context: AdversaryContext): Adversary {
  return {
    submits: true,
    outgoing(node, bytes, to) {
      const kind = consensusMessageKind(bytes);
      if (kind === 'state-response') return [{ to, bytes: corruptStateResponse(context, node, bytes) }];
      if (kind !== 'pre-prepare') return [{ to, bytes }];
      const real = decodeConsensusMessage(context.chainId, bytes) as PrePrepareMessage;
      // A sibling block: same height and parent, another state root (so another hash).
      const block = flipped(real.block, 1 + 8 + 32 + 8 + 32 + 4 + 32 + 32 + 5);
      const digest = blockHash(block.subarray(0, blockHeaderBytes));
      const fork = sign(context, node, {
        kind: 'pre-prepare',
        view: real.view,
        sequence: real.sequence,
        digest,
        block,
      });
      const peers = to === undefined ? others(context, node) : [to];
      return peers.map((peer, i) => ({ to: peer, bytes: i % 2 === 0 ? bytes : fork }));
    },
    onTick: () => [],
  };
}

function forger(context: AdversaryContext): Adversary {
  const mine: Uint8Array[] = [];
  return {
    submits: true,
    outgoing(node, bytes, to) {
      if (consensusMessageKind(bytes) === 'state-response')
        return [{ to, bytes: corruptStateResponse(context, node, bytes) }];
      if (mine.length < 64) mine.push(bytes);
      else mine[context.prng.below(64)] = bytes;
      const out: Out[] = [{ to, bytes }];
      if (context.prng.nextFloat() < 0.3) out.push({ to, bytes: flipped(bytes, 2 + 32 + 5) }); // broken signature
      return out;
    },
    onTick(node) {
      const prng = context.prng;
      const out: Out[] = [];
      const view = node.replica.view;
      const sequence = node.height + 1;
      // A vote for a block that does not exist, properly signed by this member.
      out.push({
        to: undefined,
        bytes: sign(context, node, { kind: 'commit', view, sequence, digest: prng.bytes(32) }),
      });
      // A COMMIT in another member's name: its sender bytes swapped, so its signature fails.
      const victim = others(context, node)[prng.below(Math.max(1, context.validators.length - 1))];
      if (victim !== undefined) {
        const vote = sign(context, node, { kind: 'commit', view, sequence, digest: prng.bytes(32) }).slice();
        vote.set(victim, 2);
        out.push({ to: undefined, bytes: vote });
      }
      // Replays of its old messages: as they were (stale views, old proposals), and with the
      // view field shifted (first body byte after the 98-byte envelope header).
      const old = mine[prng.below(Math.max(1, mine.length))];
      if (old !== undefined) {
        out.push({ to: undefined, bytes: old });
        if (old.length > 99) {
          const shifted = old.slice();
          shifted[98] = ((shifted[98] as number) + 1) & 0xff;
          out.push({ to: undefined, bytes: shifted });
        }
      }
      return out;
    },
  };
}

function flooder(context: AdversaryContext): Adversary {
  return {
    submits: true,
    outgoing: (_node, bytes, to) => [{ to, bytes }],
    onTick(node) {
      const view = node.replica.view;
      const viewChange = (newView: number) =>
        sign(context, node, {
          kind: 'view-change',
          newView,
          checkpoint: { sequence: 0, blockHash: context.genesisBlockHash, stateRoot: new Uint8Array(32) },
          checkpointProof: [],
          prepared: [],
        });
      const huge = [view + 1_000_000, Number.MAX_SAFE_INTEGER, view + 1 + context.prng.below(8)];
      const out: Out[] = huge.map((newView) => ({ to: undefined, bytes: viewChange(newView) }));
      if (view > 0) out.push({ to: undefined, bytes: viewChange(view - 1) });
      out.push({ to: undefined, bytes: sign(context, node, { kind: 'request', txs: [context.prng.bytes(100)] }) });
      return out;
    },
  };
}
