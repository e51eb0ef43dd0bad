/**
 * Checkpoints: every K blocks each replica signs a CHECKPOINT of the block hash and state
 * root; 2f + 1 matching ones make the checkpoint stable, move the low watermark and let the
 * log, the held checkpoints and the safety records below it be forgotten. A stable checkpoint
 * carries those 2f + 1 messages as its proof (a VIEW-CHANGE shows it).
 */
import { bytesEqual } from '../bytes.js';
import type { CheckpointMessage, CheckpointRef } from '../codec/consensus.js';

/** A stable checkpoint with its proof (2f + 1 matching CHECKPOINTs, none for the genesis block). */
export interface StableCheckpoint {
  readonly ref: CheckpointRef;
  readonly proof: readonly CheckpointMessage[];
}

const zeroHash = new Uint8Array(32);

/** The checkpoint every chain starts from: sequence 0, the genesis block, no proof. */
export function genesisCheckpoint(genesisBlockHash: Uint8Array): StableCheckpoint {
  return { ref: { sequence: 0, blockHash: genesisBlockHash, stateRoot: zeroHash }, proof: [] };
}

/** CHECKPOINT messages above the stable checkpoint, by sequence number and sender index. */
export class CheckpointCollector {
  readonly #held = new Map<number, Map<number, CheckpointMessage>>();

  /** Messages held, over all sequence numbers. */
  get size(): number {
    let count = 0;
    for (const held of this.#held.values()) count += held.size;
    return count;
  }

  /** Holds `message` from member `sender`; false when that member's checkpoint at its sequence is already held. */
  hold(sender: number, message: CheckpointMessage): boolean {
    let held = this.#held.get(message.sequence);
    if (held === undefined) {
      held = new Map();
      this.#held.set(message.sequence, held);
    }
    if (held.has(sender)) return false;
    held.set(sender, message);
    return true;
  }

  /** The held messages that agree with `message` (same block hash and state root), when at least `quorum` do. */
  quorumFor(message: CheckpointMessage, quorum: number): CheckpointMessage[] | undefined {
    const held = this.#held.get(message.sequence);
    if (held === undefined) return undefined;
    const agreeing = [...held.values()].filter(
      (other) => bytesEqual(other.blockHash, message.blockHash) && bytesEqual(other.stateRoot, message.stateRoot),
    );
    return agreeing.length < quorum ? undefined : agreeing;
  }

  /** The highest-sequence checkpoint member `me` sent above `low`, if any. */
  latestOf(me: number, low: number): CheckpointMessage | undefined {
    let latest: CheckpointMessage | undefined;
    for (const [sequence, held] of this.#held) {
      const mine = held.get(me);
      if (mine !== undefined && sequence > low && (latest === undefined || sequence > latest.sequence)) {
        latest = mine;
      }
    }
    return latest;
  }

  /** Forgets the messages at or below the stable checkpoint `low`. */
  forgetTo(low: number): void {
    for (const sequence of [...this.#held.keys()]) if (sequence <= low) this.#held.delete(sequence);
  }
}
