/**
 * A node whose store lost acknowledged blocks (issue 21, item 1): four members over a
 * LocalNetwork with real LevelDB stores; one is stopped and a log record holding its last
 * block is damaged. `LedgerNode.open` refuses its store with `StoreLossError` naming the heights
 * (it does not start over, nor go on quietly at what survived); after the explicit repair it
 * opens at the surviving head and catches the lost blocks up from its peers by state transfer.
 * Also: safety records that do not decode are STORE_CORRUPT naming where they are, and
 * `submit` names itself when given something that is not bytes (items 3 and 4).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimMember, simConsortium } from '../../sim/consortium.js';
import { bytesEqual } from '../../src/bytes.js';
import { encodeTransaction, signTransaction } from '../../src/codec/transaction.js';
import { encodeViewRecord } from '../../src/consensus/persistence.js';
import { inlineCrypto } from '../../src/crypto/backend.js';
import { LedgerNode } from '../../src/node/ledger-node.js';
import { LocalNetwork } from '../../src/node/local-network.js';
import { LevelRecords } from '../../src/node/records.js';
import { BlockStore, repairStore, StoreCorruptError, StoreLossError } from '../../src/store/index.js';
import { fileLike } from '../support/store-files.js';

const root = mkdtempSync(join(tmpdir(), 'consortium-node-damage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const consortium = simConsortium(5, 4);
const { genesis } = consortium;
const validators = genesis.members.filter((m) => m.validator).map((m) => m.publicKey);
const replica = { checkpointInterval: 4, viewChangeTimeoutTicks: 40, batchTimeoutTicks: 1 };
const bank = consortium.members.find((m) => m.identity.role === 'bank') as SimMember;

let nonce = 0;
function transfer(amount: number): Uint8Array {
  nonce++;
  return encodeTransaction(
    signTransaction(
      {
        chainId: genesis.chainId,
        sender: bank.identity.publicKey,
        nonce,
        op: { type: 'transfer', to: validators[0] as Uint8Array, amount },
      },
      bank.identity.secretKey,
    ),
  );
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function open(network: LocalNetwork, index: number, dataDir: string): Promise<LedgerNode> {
  const member = consortium.members[index] as SimMember;
  return LedgerNode.open({
    genesis,
    secretKey: member.identity.secretKey,
    transport: network.transport(member.identity.publicKey),
    dataDir,
    replica,
    tickMs: 5,
  });
}

/** Flips a byte inside the last log record that holds a block (its key `!block!…` is stored as is). */
async function damageLastBlockRecord(blocks: string): Promise<void> {
  const log = await fileLike(blocks, /\.log$/);
  const bytes = new Uint8Array(readFileSync(log));
  const at = Buffer.from(bytes).lastIndexOf('!block!');
  expect(at).toBeGreaterThan(0);
  bytes[at + 12] = (bytes[at + 12] as number) ^ 0x20;
  writeFileSync(log, bytes);
}

describe('LedgerNode over a store that lost acknowledged blocks', () => {
  it('is refused naming the heights; after the repair it opens at the surviving head and catches up by state transfer', async () => {
    const network = new LocalNetwork();
    const dirs = consortium.members.map((_, i) => join(root, `n${i}`));
    const nodes = await Promise.all(dirs.map((dir, i) => open(network, i, dir)));
    const victim = 3;
    try {
      for (let i = 0; i < 6; i++) await (nodes[0] as LedgerNode).submit(transfer(1 + i));
      await until(() => (nodes[victim] as LedgerNode).height >= 6);
      const heightAtStop = (nodes[victim] as LedgerNode).height;
      await (nodes[victim] as LedgerNode).close();
      const blocks = join(dirs[victim] as string, 'blocks');
      await damageLastBlockRecord(blocks);

      const refused = await open(network, victim, dirs[victim] as string).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StoreLossError);
      const lost = (refused as StoreLossError).lostHeights;
      expect(lost.length).toBeGreaterThan(0);
      expect(lost[lost.length - 1]?.to).toBe(heightAtStop);
      expect((refused as StoreLossError).message).toContain(blocks);

      // The others go on meanwhile.
      for (let i = 0; i < 3; i++) await (nodes[1] as LedgerNode).submit(transfer(100 + i));
      const report = await repairStore(blocks, { crypto: inlineCrypto, apply: true });
      expect(report.applied).toBe(true);
      expect(report.keptHeight).toBeLessThan(heightAtStop);
      expect(report.keptHeight).toBeGreaterThanOrEqual(0);

      const reopened = await open(network, victim, dirs[victim] as string);
      nodes[victim] = reopened;
      expect(reopened.height).toBe(report.keptHeight);
      await (nodes[1] as LedgerNode).submit(transfer(200));
      await until(() => reopened.height === (nodes[0] as LedgerNode).height && reopened.height > heightAtStop);
      for (let height = 1; height <= reopened.height; height++) {
        const [mine, theirs] = await Promise.all([reopened.block(height), (nodes[0] as LedgerNode).block(height)]);
        expect(bytesEqual(mine?.hash as Uint8Array, theirs?.hash as Uint8Array), `block ${height}`).toBe(true);
      }
      expect(reopened.replica.stats.committedByStateTransfer).toBeGreaterThan(0);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  }, 90_000);

  it('safety records that do not decode are STORE_CORRUPT naming where they are', async () => {
    const network = new LocalNetwork();
    const dataDir = join(root, 'records');
    const node = await open(network, 0, dataDir);
    await node.close();
    const store = await BlockStore.open(join(dataDir, 'blocks'));
    await store.writeReplicaRecords([{ key: 'view', value: Uint8Array.of(1, 2) }]);
    await store.close();
    const refused = open(network, 0, dataDir);
    await expect(refused).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(open(network, 0, dataDir)).rejects.toThrow(
      new RegExp(
        `LedgerNode.open: the replica's safety records in ${join(dataDir, 'blocks')} do not decode: cannot decode view\\.view`,
      ),
    );
  });

  it('a damaged records database of the earlier layout (<dataDir>/replica) is STORE_CORRUPT naming it, with LevelDB’s reason', async () => {
    const network = new LocalNetwork();
    const dataDir = join(root, 'old-layout');
    const old = new LevelRecords(join(dataDir, 'replica'));
    await old.write([{ key: 'view', value: encodeViewRecord(2, false) }]);
    await old.close();
    writeFileSync(join(dataDir, 'replica', 'CURRENT'), 'garbage');
    const refused = open(network, 0, dataDir);
    await expect(refused).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(open(network, 0, dataDir)).rejects.toThrow(
      new RegExp(
        `the database at ${join(dataDir, 'replica')} does not open: Corruption: CURRENT file does not end with newline`,
      ),
    );
  });

  it('submit names itself when given something that is not bytes', async () => {
    const network = new LocalNetwork();
    const node = await open(network, 0, join(root, 'submit'));
    try {
      await expect(node.submit('x' as unknown as Uint8Array)).rejects.toThrow(
        /^LedgerNode\.submit: expected tx to be a Uint8Array/,
      );
      await expect(node.submitMany(['x'] as unknown as Uint8Array[])).rejects.toThrow(/^LedgerNode\.submitMany: /);
      await expect(node.offer('x' as unknown as Uint8Array[])).rejects.toThrow(/^LedgerNode\.offer: /);
    } finally {
      await node.close();
    }
  });
});
