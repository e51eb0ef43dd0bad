/**
 * The simulated network: per-link latency, loss, duplication, replays of old messages,
 * reordering (from latency jitter), partitions (symmetric or one-way) and clogged links that
 * heal. Every decision draws from the run's one PRNG, in event order, so it is reproducible.
 *
 * Latency on a link is `min + exponential(mean − min)`, with `min` and `mean` drawn per link
 * from the profile's ranges; the exponential tail reorders messages on the same link.
 */
import type { Prng } from '../src/prng.js';

/** What the network does to traffic, for a whole run (a fault profile sets it). */
export interface NetworkProfile {
  /** Range of each link's minimum latency, ms. */
  readonly latencyMinMs: readonly [number, number];
  /** Range of each link's mean latency, ms (≥ its minimum). */
  readonly latencyMeanMs: readonly [number, number];
  /** Chance a message is lost, 0..0.3. */
  readonly lossRate: number;
  /** Chance a message is delivered twice. */
  readonly duplicateRate: number;
  /** Chance, per message sent, that an old message on the same link is delivered again. */
  readonly replayRate: number;
}

/** A delivery the network decided on. */
export interface Delivery {
  /** Delay from now, ms. */
  readonly delayMs: number;
  /** The bytes to deliver (the message itself, or an old one replayed). */
  readonly bytes: Uint8Array;
  /** Whether this is a replay of an older message. */
  readonly replay: boolean;
}

/** Counters of what the network did. */
export interface NetworkStats {
  sent: number;
  dropped: number;
  duplicated: number;
  replayed: number;
}

const replayMemory = 16;

/** The links between `nodes` endpoints. */
export class Network {
  readonly #prng: Prng;
  readonly #profile: NetworkProfile;
  readonly #nodes: number;
  readonly #latencyMin: Float64Array;
  readonly #latencyMean: Float64Array;
  /** Group per endpoint (partition), or undefined for none. */
  #groups: Int32Array | undefined;
  /** Endpoints that can send but not receive (asymmetric partition). */
  readonly #deaf = new Set<number>();
  /** Clogged links (from × nodes + to) → the time they heal, ms. */
  readonly #clogged = new Map<number, number>();
  /** Recent messages per link, for replays. */
  readonly #recent = new Map<number, Uint8Array[]>();
  readonly stats: NetworkStats = { sent: 0, dropped: 0, duplicated: 0, replayed: 0 };

  constructor(prng: Prng, nodes: number, profile: NetworkProfile) {
    this.#prng = prng;
    this.#profile = profile;
    this.#nodes = nodes;
    this.#latencyMin = new Float64Array(nodes * nodes);
    this.#latencyMean = new Float64Array(nodes * nodes);
    for (let link = 0; link < nodes * nodes; link++) {
      const min = uniform(prng, profile.latencyMinMs);
      this.#latencyMin[link] = min;
      this.#latencyMean[link] = Math.max(min, uniform(prng, profile.latencyMeanMs));
    }
  }

  /** Splits the endpoints into groups that cannot talk across (group ids per endpoint). */
  partition(groups: readonly number[]): void {
    this.#groups = Int32Array.from(groups);
  }

  /** Makes `node` deaf: it still sends, nothing reaches it. */
  deafen(node: number): void {
    this.#deaf.add(node);
  }

  /** Clogs the link from → to until `untilMs`: nothing gets through before then. */
  clog(from: number, to: number, untilMs: number): void {
    this.#clogged.set(from * this.#nodes + to, untilMs);
  }

  /** Removes partitions, deafness and clogs. */
  heal(): void {
    this.#groups = undefined;
    this.#deaf.clear();
    this.#clogged.clear();
  }

  /** Whether a message from → to at `nowMs` can get through at all. */
  connected(from: number, to: number, nowMs: number): boolean {
    if (this.#deaf.has(to)) return false;
    const groups = this.#groups;
    if (groups !== undefined && groups[from] !== groups[to]) return false;
    const clogged = this.#clogged.get(from * this.#nodes + to);
    return clogged === undefined || clogged <= nowMs;
  }

  /** What happens to `bytes` sent from → to at `nowMs`: zero, one or more deliveries. */
  route(from: number, to: number, nowMs: number, bytes: Uint8Array): Delivery[] {
    this.stats.sent++;
    const link = from * this.#nodes + to;
    const prng = this.#prng;
    const out: Delivery[] = [];
    if (!this.connected(from, to, nowMs) || prng.nextFloat() < this.#profile.lossRate) {
      this.stats.dropped++;
    } else {
      out.push({ delayMs: this.#latency(link), bytes, replay: false });
      if (prng.nextFloat() < this.#profile.duplicateRate) {
        this.stats.duplicated++;
        out.push({ delayMs: this.#latency(link), bytes, replay: false });
      }
    }
    let recent = this.#recent.get(link);
    if (recent === undefined) {
      recent = [];
      this.#recent.set(link, recent);
    }
    if (recent.length > 0 && this.connected(from, to, nowMs) && prng.nextFloat() < this.#profile.replayRate) {
      this.stats.replayed++;
      out.push({ delayMs: this.#latency(link), bytes: recent[prng.below(recent.length)] as Uint8Array, replay: true });
    }
    if (this.#profile.replayRate > 0) {
      if (recent.length === replayMemory) recent.splice(prng.below(replayMemory), 1);
      recent.push(bytes);
    }
    return out;
  }

  #latency(link: number): number {
    const min = this.#latencyMin[link] as number;
    const mean = this.#latencyMean[link] as number;
    // Exponential tail above the minimum (1 − U is in (0, 1], so the log is finite).
    return min + (mean - min) * -Math.log(1 - this.#prng.nextFloat());
  }
}

function uniform(prng: Prng, [low, high]: readonly [number, number]): number {
  return low + (high - low) * prng.nextFloat();
}
