/**
 * One database per node: the replica's safety records live in the block store's database, a
 * commit step's records are written in the block's own batch, and a data directory of the
 * earlier layout (records in `<dataDir>/replica`) is migrated on open without losing a record.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimMember, simConsortium } from '../../sim/consortium.js';
import { encodeTransaction, signTransaction } from '../../src/codec/transaction.js';
import { checkpointRecordKey, encodeViewRecord, viewRecordKey } from '../../src/consensus/persistence.js';
import { LedgerNode } from '../../src/node/ledger-node.js';
import { LocalNetwork } from '../../src/node/local-network.js';
import { LevelRecords } from '../../src/node/records.js';
import { BlockStore } from '../../src/store/index.js';

const root = mkdtempSync(join(tmpdir(), 'consortium-one-db-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const consortium = simConsortium(11, 4);
const { genesis } = consortium;
const replica = { checkpointInterval: 2, viewChangeTimeoutTicks: 40, batchTimeoutTicks: 1 };
const bank = consortium.members.find((m) => m.identity.role === 'bank') as SimMember;
let nonce = 0;
function transfer(): Uint8Array {
  const to = consortium.members[0]?.identity.publicKey as Uint8Array;
  return encodeTransaction(
    signTransaction(
      {
        chainId: genesis.chainId,
        sender: bank.identity.publicKey,
        nonce: ++nonce,
        op: { type: 'transfer', to, amount: 1 },
      },
      bank.identity.secretKey,
    ),
  );
}

async function openAll(dirs: string[], network: LocalNetwork): Promise<LedgerNode[]> {
  return Promise.all(
    consortium.members.map((member, i) =>
      LedgerNode.open({
        genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: dirs[i] as string,
        replica,
        tickMs: 5,
      }),
    ),
  );
}

describe('one database per node', () => {
  it('keeps the safety records in the block store, written with the blocks', async () => {
    const dirs = consortium.members.map((_, i) => join(root, `a${i}`));
    const nodes = await openAll(dirs, new LocalNetwork());
    try {
      for (let i = 0; i < 4; i++) await (nodes[1] as LedgerNode).submit(transfer());
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
    for (const dir of dirs) {
      expect(existsSync(join(dir, 'replica')), 'no separate records database').toBe(false);
      const store = await BlockStore.open(join(dir, 'blocks'), { create: false });
      try {
        const records = await store.replicaRecords();
        // A stable checkpoint (every 2 blocks) was persisted beside the blocks.
        expect(records.has(checkpointRecordKey)).toBe(true);
        expect(store.head?.height).toBeGreaterThanOrEqual(2);
      } finally {
        await store.close();
      }
    }
  });

  it('migrates records of the earlier layout (<dataDir>/replica) into the store on open', async () => {
    const dirs = consortium.members.map((_, i) => join(root, `m${i}`));
    const nodes = await openAll(dirs, new LocalNetwork());
    await Promise.all(nodes.map((node) => node.close()));
    // Node 0's records go back to the earlier layout: a separate database holding a view record.
    const store0 = await BlockStore.open(join(dirs[0] as string, 'blocks'), { create: false });
    const held = [...(await store0.replicaRecords()).keys()];
    await store0.writeReplicaRecords(held.map((key) => ({ key, value: null })));
    await store0.close();
    const old = new LevelRecords(join(dirs[0] as string, 'replica'));
    await old.load();
    await old.write([{ key: viewRecordKey, value: encodeViewRecord(5, false) }]);
    await old.close();
    const reopened = await openAll(dirs, new LocalNetwork());
    // The migrated view record is the replica's: it never returns to a view below the one it left.
    expect(reopened[0]?.replica.view).toBe(5);
    await Promise.all(reopened.map((node) => node.close()));
    expect(existsSync(join(dirs[0] as string, 'replica'))).toBe(false);
    expect(existsSync(join(dirs[0] as string, 'replica.migrated'))).toBe(true);
    const store = await BlockStore.open(join(dirs[0] as string, 'blocks'), { create: false });
    try {
      expect((await store.replicaRecords()).get(viewRecordKey)).toEqual(encodeViewRecord(5, false));
    } finally {
      await store.close();
    }
  });

  it('refuses malformed record changes with a TypeError naming the field', async () => {
    const store = await BlockStore.open(join(root, 'bad'));
    try {
      await expect(store.writeReplicaRecords([{ key: '', value: null }])).rejects.toThrow(/records\[0\]\.key/);
      await expect(store.writeReplicaRecords([{ key: 'x', value: 'y' as never }])).rejects.toThrow(
        /records\[0\]\.value/,
      );
      await expect(store.writeReplicaRecords('x' as never)).rejects.toThrow(/array of record changes/);
    } finally {
      await store.close();
    }
  });
});
