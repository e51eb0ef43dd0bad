/**
 * A node hands what arrived to its replica in batches bounded by `inboxBatchMessagesMax`
 * messages and `inboxBatchBytesMax` bytes (a single larger message goes alone); what does not
 * fit waits for the next batch and is never dropped, and each message's promise settles once
 * its own batch has been handled.
 */
import { MemoryLevel } from 'memory-level';
import { afterEach, describe, expect, it } from 'vitest';
import { simConsortium } from '../../sim/consortium.js';
import { inboxBatchBytesMax, inboxBatchMessagesMax } from '../../src/limits.js';
import { LedgerNode } from '../../src/node/ledger-node.js';
import { MemoryRecords } from '../../src/node/records.js';
import type { MessageHandler, Transport } from '../../src/node/transport.js';
import type { StoreDatabase } from '../../src/store/index.js';

const consortium = simConsortium(23, 4);

class InboxTransport implements Transport {
  handler: MessageHandler | undefined;
  send(): void {}
  broadcast(): void {}
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }
  async close(): Promise<void> {}
}

let node: LedgerNode | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

/** A node whose replica records the size (messages, bytes) of every `stepMany` batch. */
async function openRecording(): Promise<{ transport: InboxTransport; batches: { count: number; bytes: number }[] }> {
  const transport = new InboxTransport();
  node = await LedgerNode.open({
    genesis: consortium.genesis,
    secretKey: (consortium.members[0] as (typeof consortium.members)[0]).identity.secretKey,
    transport,
    database: new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as StoreDatabase,
    records: new MemoryRecords(),
    tickMs: null,
    sync: false,
  });
  const batches: { count: number; bytes: number }[] = [];
  const replica = node.replica;
  const stepMany = replica.stepMany.bind(replica);
  replica.stepMany = (messages) => {
    batches.push({ count: messages.length, bytes: messages.reduce((sum, message) => sum + message.length, 0) });
    return stepMany(messages);
  };
  return { transport, batches };
}

/** Hands `messages` to the node all at once (as a transport does when they arrive together). */
function arriveTogether(transport: InboxTransport, messages: readonly Uint8Array[]): Promise<void>[] {
  const handler = transport.handler as MessageHandler;
  return messages.map((message) => handler(new Uint8Array(32), message));
}

describe('inbox batches', () => {
  it(`at most ${inboxBatchMessagesMax} messages per batch; the rest go in the next, none dropped`, async () => {
    const { transport, batches } = await openRecording();
    const total = inboxBatchMessagesMax + 5;
    const handled = arriveTogether(
      transport,
      Array.from({ length: total }, () => Uint8Array.of(1, 3, 0)),
    );
    // The first message's promise settles once the first batch is handled, the last one's once the second is.
    await handled[0];
    expect(batches[0]?.count).toBe(inboxBatchMessagesMax);
    await handled[total - 1];
    expect(batches.map((batch) => batch.count)).toEqual([inboxBatchMessagesMax, 5]);
    await Promise.all(handled);
    expect(node?.replica.stats.received).toBe(total);
    expect(node?.replica.stats.dropped.malformed).toBe(total);
  });

  it('at most inboxBatchBytesMax bytes per batch; a single larger message goes alone', async () => {
    const { transport, batches } = await openRecording();
    const fifth = Math.floor(inboxBatchBytesMax / 5);
    const sizes = [fifth, fifth, fifth, fifth, fifth, fifth, inboxBatchBytesMax + 1, 10, 10];
    await Promise.all(
      arriveTogether(
        transport,
        sizes.map((size) => new Uint8Array(size)),
      ),
    );
    expect(batches).toEqual([
      { count: 5, bytes: 5 * fifth },
      { count: 1, bytes: fifth },
      { count: 1, bytes: inboxBatchBytesMax + 1 },
      { count: 2, bytes: 20 },
    ]);
    for (const batch of batches) expect(batch.count === 1 || batch.bytes <= inboxBatchBytesMax).toBe(true);
    expect(node?.replica.stats.received).toBe(sizes.length);
  });

  it('messages arriving while a batch is handled join the next one', async () => {
    const { transport, batches } = await openRecording();
    const first = arriveTogether(transport, [Uint8Array.of(1, 3, 0)]);
    await first[0];
    await Promise.all(arriveTogether(transport, [Uint8Array.of(1, 3, 0), Uint8Array.of(1, 3, 0)]));
    expect(batches.map((batch) => batch.count)).toEqual([1, 2]);
  });
});
