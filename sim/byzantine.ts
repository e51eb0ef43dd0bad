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
 * - `split`: votes twice. As primary, it sends its block to one part of the members and a
 *   valid sibling (the same transactions in another order, executed correctly, one millisecond
 *   later) to the other, with its PRE-PREPARE and COMMIT for each block sent only to the part
 *   that holds it; as a backup, it sends PREPAREs and COMMITs for every digest it sees at a
 *   height. Under the unsafe 2f + 1 quorum this forks a consortium of 5 or 6 (see quorum.ts).
 * - `amnesia`: an honest replica that the simulation crashes now and then, and that forgets
 *   its safety records (view, votes, prepared certificates) at every restart, so it votes
 *   again as if new.
 * - `twins` is not an adversary: the simulation runs a second honest replica with the same key
 *   in another partition (equivocation and amnesia without attack code).
 * - `mixed`: each Byzantine member draws one of the above.
 */
import { toHex } from '../src/bytes.js';
import { blockHash, blockHeaderBytes, decodeBlock } from '../src/codec/block.js';
import {
  type ConsensusBody,
  consensusMessageKind,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type PrePrepareMessage,
  type StateResponseMessage,
} from '../src/codec/consensus.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import type { Prng } from '../src/prng.js';
import { loadLedger } from '../src/store/load-ledger.js';
import type { Adversary, SimNode } from './node.js';

/** How Byzantine members behave. */
export type ByzantineMode = 'silent' | 'equivocate' | 'twins' | 'forge' | 'flood' | 'split' | 'amnesia' | 'mixed';

/** The modes the CLI accepts. */
export const byzantineModes: readonly ByzantineMode[] = [
  'silent',
  'equivocate',
  'twins',
  'forge',
  'flood',
  'split',
  'amnesia',
  'mixed',
];

/** The modes `mixed` draws from (every mode but itself). */
export const drawnModes: readonly Exclude<ByzantineMode, 'mixed'>[] = byzantineModes.filter(
  (mode): mode is Exclude<ByzantineMode, 'mixed'> => mode !== 'mixed',
);

/** What an adversary needs to know. */
export interface AdversaryContext {
  readonly chainId: string;
  /** Every validator's key (ascending). */
  readonly validators: readonly Uint8Array[];
  readonly genesisBlockHash: Uint8Array;
  /** This adversary's own random stream. */
  readonly prng: Prng;
  /** The crypto the node's ledger uses (a `split` primary executes its sibling blocks). */
  readonly crypto: CryptoBackend;
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
    case 'split':
      return splitter(context);
    case 'amnesia':
      return { submits: true, amnesia: true, outgoing: (_node, bytes, to) => [{ to, bytes }], onTick: () => [] };
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

/** Distinct digests a `split` backup votes for at one (view, sequence): enough to vote twice, bounded. */
const splitDigestsMax = 4;
/** Ticks between re-sends of a `split` primary's sibling messages (messages get lost). */
const splitResendTicks = 20;

interface SplitHeight {
  readonly view: number;
  readonly sequence: number;
  readonly real: PrePrepareMessage;
  /** The members that get the real block. */
  readonly sideA: Uint8Array[];
  /** The members that get the sibling. */
  readonly sideB: Uint8Array[];
  /** The sibling's PRE-PREPARE and this member's COMMIT for it, once built. */
  sibling: Uint8Array[] | undefined;
  /** Whether both blocks went out (the real one waits for its sibling, so neither side is ahead). */
  released: boolean;
  ticks: number;
}

function splitter(context: AdversaryContext): Adversary {
  let current: SplitHeight | undefined;
  /** Digests voted for, by `view/sequence`. */
  const voted = new Map<string, Set<string>>();
  let queued: Out[] = [];

  const sideOf = (key: Uint8Array, split: SplitHeight): 'A' | 'B' =>
    split.sideB.some((member) => Buffer.compare(member, key) === 0) ? 'B' : 'A';

  /** As a backup: PREPARE and COMMIT for a digest this member has not voted for yet at (view, sequence). */
  const voteFor = (node: SimNode, view: number, sequence: number, digest: Uint8Array): void => {
    if (sequence <= node.height || (view === node.replica.view && node.replica.isPrimary)) return;
    const key = `${view}/${sequence}`;
    const digests = voted.get(key) ?? new Set<string>();
    const hex = toHex(digest);
    if (digests.has(hex) || digests.size >= splitDigestsMax) return;
    digests.add(hex);
    voted.set(key, digests);
    queued.push({ to: undefined, bytes: sign(context, node, { kind: 'prepare', view, sequence, digest }) });
    queued.push({ to: undefined, bytes: sign(context, node, { kind: 'commit', view, sequence, digest }) });
  };

  return {
    submits: true,
    incoming(node, bytes) {
      const kind = consensusMessageKind(bytes);
      if (kind !== 'pre-prepare' && kind !== 'prepare') return;
      let message: ReturnType<typeof decodeConsensusMessage>;
      try {
        message = decodeConsensusMessage(context.chainId, bytes);
      } catch {
        return; // not a message the replica would take either
      }
      if (message.kind === 'pre-prepare' || message.kind === 'prepare') {
        voteFor(node, message.view, message.sequence, message.digest);
      }
    },
    outgoing(node, bytes, to) {
      const kind = consensusMessageKind(bytes);
      if (kind === 'pre-prepare') {
        const real = decodeConsensusMessage(context.chainId, bytes) as PrePrepareMessage;
        if (current === undefined || current.view !== real.view || current.sequence !== real.sequence) {
          const peers = others(context, node);
          const shuffled = peers
            .map((key) => ({ key, order: context.prng.nextU32() }))
            .sort((a, b) => a.order - b.order)
            .map((entry) => entry.key);
          const half = Math.ceil(shuffled.length / 2);
          current = {
            view: real.view,
            sequence: real.sequence,
            real,
            sideA: shuffled.slice(0, half),
            sideB: shuffled.slice(half),
            sibling: undefined,
            released: false,
            ticks: 0,
          };
        }
        const split = current;
        if (!split.released) return []; // sent with its sibling on the next tick
        if (to !== undefined) return sideOf(to, split) === 'A' ? [{ to, bytes }] : [];
        return split.sideA.map((peer) => ({ to: peer, bytes }));
      }
      if (kind === 'commit' && current !== undefined) {
        const vote = decodeConsensusMessage(context.chainId, bytes);
        const split = current;
        if (vote.kind === 'commit' && vote.view === split.view && vote.sequence === split.sequence) {
          // Its COMMIT for the real block goes only to the side that holds the real block.
          const targets = to === undefined ? split.sideA : sideOf(to, split) === 'A' ? [to] : [];
          return targets.map((peer) => ({ to: peer, bytes }));
        }
      }
      return [{ to, bytes }];
    },
    async onTick(node) {
      const out = queued;
      queued = [];
      for (const key of voted.keys()) {
        if (Number(key.split('/')[1]) <= node.height) voted.delete(key);
      }
      const split = current;
      if (split === undefined || split.sequence <= node.height || node.replica.view !== split.view) return out;
      if (!split.released) {
        split.sibling = await siblingMessages(context, node, split.real);
        split.released = true;
        split.ticks = 0;
        for (const peer of split.sideA) out.push({ to: peer, bytes: split.real.bytes });
      } else if (++split.ticks < splitResendTicks) {
        return out;
      }
      split.ticks = 0;
      for (const bytes of split.sibling ?? []) for (const peer of split.sideB) out.push({ to: peer, bytes });
      return out;
    },
  };
}

/**
 * A valid sibling of `real` — its transactions in reverse order, executed on the committed
 * state, one millisecond later — with this member's PRE-PREPARE and COMMIT for it. Empty when
 * the store has moved past the height.
 */
async function siblingMessages(
  context: AdversaryContext,
  node: SimNode,
  real: PrePrepareMessage,
): Promise<Uint8Array[]> {
  const block = decodeBlock(real.block);
  const ledger = await loadLedger(node.store, { crypto: context.crypto });
  if (ledger === undefined || ledger.height !== block.header.height - 1) return [];
  const proposed = await ledger.propose([...block.txBytes].reverse(), {
    previousHash: block.header.previousHash,
    timestampMs: block.header.timestampMs + 1,
    proposer: block.header.proposer,
    ...(block.previousCertificateBytes.length > 0 ? { previousCertificateBytes: block.previousCertificateBytes } : {}),
  });
  ledger.discard(proposed.executed);
  const digest = proposed.block.hash;
  const view = real.view;
  const sequence = real.sequence;
  return [
    sign(context, node, { kind: 'pre-prepare', view, sequence, digest, block: proposed.bytes }),
    sign(context, node, { kind: 'commit', view, sequence, digest }),
  ];
}
