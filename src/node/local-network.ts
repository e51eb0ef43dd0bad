/**
 * A consortium in one process: a `Transport` per member, delivering through the event loop
 * (`setImmediate`), optionally with a delay and loss. For demos, tests, benchmarks and
 * embedders that run several members together; it implements the same interface a network
 * transport between hosts does. Each message is copied on send, so a receiver never shares
 * memory with the sender.
 */
import { toHex } from '../bytes.js';
import type { MessageHandler, Transport } from './transport.js';

/** Options of a local network. */
export interface LocalNetworkOptions {
  /** Delay of every delivery, ms (default 0: the next turn of the event loop). */
  readonly delayMs?: number;
}

/** Members connected in one process. */
export class LocalNetwork {
  readonly #members = new Map<string, LocalTransport>();
  readonly #delayMs: number;
  /** Messages handed to a member, and messages dropped (member unknown, closed or cut off). */
  readonly stats: {
    /** Messages handed to a member. */
    delivered: number;
    /** Messages dropped: member unknown, closed or cut off. */
    dropped: number;
  } = { delivered: 0, dropped: 0 };

  constructor(options: LocalNetworkOptions = {}) {
    this.#delayMs = options.delayMs ?? 0;
  }

  /** The transport of the member with public key `publicKey` (replacing a closed one). */
  transport(publicKey: Uint8Array): Transport {
    const transport = new LocalTransport(this, publicKey);
    this.#members.set(toHex(publicKey), transport);
    return transport;
  }

  /** Cuts a member off (both ways) until `reconnect`. */
  disconnect(publicKey: Uint8Array): void {
    const member = this.#members.get(toHex(publicKey));
    if (member !== undefined) member.connected = false;
  }

  /** Reconnects a member cut off by `disconnect`. */
  reconnect(publicKey: Uint8Array): void {
    const member = this.#members.get(toHex(publicKey));
    if (member !== undefined) member.connected = true;
  }

  /** @internal Queues delivery of `message` from `from` to the member `to` (hex key). */
  deliver(from: LocalTransport, to: string, message: Uint8Array): void {
    const target = this.#members.get(to);
    if (target === undefined || target === from || !from.connected) {
      this.stats.dropped++;
      return;
    }
    const copy = message.slice();
    const run = () => {
      if (!target.connected || !target.open) {
        this.stats.dropped++;
        return;
      }
      this.stats.delivered++;
      target.receive(from.publicKey, copy);
    };
    if (this.#delayMs > 0) setTimeout(run, this.#delayMs);
    else setImmediate(run);
  }

  /** @internal Every member's hex key. */
  keys(): IterableIterator<string> {
    return this.#members.keys();
  }
}

/** @internal One member's end of a `LocalNetwork`. */
class LocalTransport implements Transport {
  open = true;
  connected = true;
  #handler: MessageHandler | undefined;
  /** Handled messages not yet settled (close waits for them). */
  readonly #pending = new Set<Promise<void>>();

  constructor(
    readonly network: LocalNetwork,
    readonly publicKey: Uint8Array,
  ) {}

  send(to: Uint8Array, message: Uint8Array): void {
    if (this.open) this.network.deliver(this, toHex(to), message);
  }

  broadcast(message: Uint8Array): void {
    if (!this.open) return;
    const own = toHex(this.publicKey);
    for (const key of this.network.keys()) if (key !== own) this.network.deliver(this, key, message);
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    this.open = false;
    await Promise.all(this.#pending);
  }

  /** Hands a message over at once, in arrival order; the node queues and batches them. */
  receive(from: Uint8Array, message: Uint8Array): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    // A handler's failure is the node's to report (LedgerNode.onError), not the network's.
    const handled = handler(from, message).catch(() => undefined);
    this.#pending.add(handled);
    void handled.then(() => this.#pending.delete(handled));
  }
}
