/**
 * The simulator's network model in real time: the same per-link latency (minimum plus an
 * exponential tail, drawn per link from a seed), loss, duplication and replays as
 * sim/network.ts, with deliveries scheduled on the real clock (`setTimeout`) instead of the
 * simulator's virtual one. The demo runs its four members over it, so they talk across links
 * with the latencies a simulation would give them.
 */
import { toHex } from '../src/bytes.js';
import type { MessageHandler, Transport } from '../src/node/transport.js';
import { Prng } from '../src/prng.js';
import { Network, type NetworkProfile } from './network.js';

/** A LAN-like profile: 1–3 ms minimum, 3–10 ms mean per link, nothing lost. */
export const lanProfile: NetworkProfile = {
  latencyMinMs: [1, 3],
  latencyMeanMs: [3, 10],
  lossRate: 0,
  duplicateRate: 0,
  replayRate: 0,
};

/** Members (by public key) connected through the simulator's link model, in real time. */
export class LiveNetwork {
  readonly #network: Network;
  readonly #index = new Map<string, number>();
  readonly #handlers: (MessageHandler | undefined)[];
  readonly #keys: readonly Uint8Array[];
  readonly #started = performance.now();
  /** Messages routed, and delivered. */
  readonly stats = { sent: 0, delivered: 0 };

  constructor(seed: number, keys: readonly Uint8Array[], profile: NetworkProfile = lanProfile) {
    this.#keys = keys;
    for (const [i, key] of keys.entries()) this.#index.set(toHex(key), i);
    this.#handlers = keys.map(() => undefined);
    this.#network = new Network(new Prng(seed), keys.length, profile);
  }

  /** The transport of member `publicKey` (one of the keys the network was built with). */
  transport(publicKey: Uint8Array): Transport {
    const self = this.#index.get(toHex(publicKey));
    if (self === undefined) throw new RangeError('LiveNetwork.transport: not a member of this network');
    let open = true;
    const route = (to: number, message: Uint8Array) => {
      if (!open || to === self) return;
      this.stats.sent++;
      for (const delivery of this.#network.route(self, to, performance.now() - this.#started, message)) {
        const copy = delivery.bytes.slice();
        setTimeout(() => {
          const handler = this.#handlers[to];
          if (handler === undefined) return;
          this.stats.delivered++;
          handler(publicKey, copy).catch(() => undefined); // the node reports its own failures
        }, delivery.delayMs);
      }
    };
    return {
      send: (to, message) => {
        const target = this.#index.get(toHex(to));
        if (target !== undefined) route(target, message);
      },
      broadcast: (message) => {
        for (let to = 0; to < this.#keys.length; to++) route(to, message);
      },
      onMessage: (handler) => {
        this.#handlers[self] = handler;
      },
      close: async () => {
        open = false;
        this.#handlers[self] = undefined;
      },
    };
  }
}
