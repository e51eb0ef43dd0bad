/**
 * LedgerNode: four members in one process over a LocalNetwork, each with a real LevelDB store
 * in a temporary directory. Submissions resolve with receipts; reads come with proofs that
 * verify; a node killed mid-run and reopened from its store rejoins and converges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimMember, simConsortium } from '../../sim/consortium.js';
import { bytesEqual } from '../../src/bytes.js';
import { decodeCertificate } from '../../src/codec/certificate.js';
import { reasonCodes } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction, transactionId } from '../../src/codec/transaction.js';
import { RequestRejectedError } from '../../src/consensus/errors.js';
import { inlineCrypto } from '../../src/crypto/backend.js';
import { verifyMerkleInclusion } from '../../src/crypto/merkle.js';
import { certificateProblem } from '../../src/ledger/quorum.js';
import { stateKeys } from '../../src/ledger/records.js';
import { verifyStateProof } from '../../src/ledger/state-tree.js';
import { LedgerNode, NodeClosedError, NodeConfigError } from '../../src/node/ledger-node.js';
import { LocalNetwork } from '../../src/node/local-network.js';

const root = mkdtempSync(join(tmpdir(), 'consortium-node-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const consortium = simConsortium(5, 4);
const { genesis } = consortium;
const validators = genesis.members.filter((m) => m.validator).map((m) => m.publicKey);
const replica = { checkpointInterval: 4, viewChangeTimeoutTicks: 40, batchTimeoutTicks: 1 };

let dirCount = 0;
async function openAll(network: LocalNetwork, dirs?: string[]) {
  const used = dirs ?? consortium.members.map(() => join(root, `n${dirCount++}`));
  const nodes = await Promise.all(
    consortium.members.map((member, i) =>
      LedgerNode.open({
        genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: used[i] as string,
        replica,
        tickMs: 5,
      }),
    ),
  );
  return { nodes, dirs: used };
}

const nonces = new Map<string, number>();
function transfer(from: SimMember['identity'], amount: number): Uint8Array {
  const key = Buffer.from(from.publicKey).toString('hex');
  const nonce = (nonces.get(key) ?? 0) + 1;
  nonces.set(key, nonce);
  const to = validators[0] as Uint8Array;
  return encodeTransaction(
    signTransaction(
      { chainId: genesis.chainId, sender: from.publicKey, nonce, op: { type: 'transfer', to, amount } },
      from.secretKey,
    ),
  );
}

const bank = consortium.members.find((m) => m.identity.role === 'bank') as SimMember;

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('LedgerNode', () => {
  it('commits a submitted transaction everywhere; reads come with proofs that verify', async () => {
    const network = new LocalNetwork();
    const { nodes } = await openAll(network);
    try {
      const tx = transfer(bank.identity, 1234);
      const receipt = await (nodes[1] as LedgerNode).submit(tx);
      expect(receipt.code).toBe(reasonCodes.ok);
      await until(() => nodes.every((node) => node.height >= 1));
      const node = nodes[2] as LedgerNode;
      const found = await node.transaction(transactionId(tx));
      expect(found).toBeDefined();
      expect(verifyMerkleInclusion(transactionId(tx), found?.proof as never, found?.txRoot as Uint8Array)).toBe(true);
      const state = node.state(stateKeys.account(bank.identity.publicKey));
      expect(verifyStateProof(state.stateRoot, state.key, state.value, state.proof)).toBe(true);
      const block = await node.block(found?.height as number);
      const certificate = await node.certificate(found?.height as number);
      expect(certificate).toBeDefined();
      expect(
        await certificateProblem(
          decodeCertificate(certificate as Uint8Array),
          genesis.chainId,
          validators,
          block?.header.height as number,
          block?.hash as Uint8Array,
          inlineCrypto,
        ),
      ).toBeUndefined();
      const byHash = await node.block(block?.hash as Uint8Array);
      expect(byHash?.header.height).toBe(block?.header.height);
      // A bad transaction is refused with a typed error, and nothing waits on it.
      await expect((nodes[0] as LedgerNode).submit(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(
        RequestRejectedError,
      );
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  }, 60_000);

  it('a node killed mid-run and reopened from its store rejoins and converges', async () => {
    const network = new LocalNetwork();
    const { nodes, dirs } = await openAll(network);
    const victim = 3;
    try {
      await (nodes[0] as LedgerNode).submit(transfer(bank.identity, 1));
      await (nodes[victim] as LedgerNode).close();
      for (let i = 0; i < 6; i++) await (nodes[0] as LedgerNode).submit(transfer(bank.identity, 2 + i));
      const member = consortium.members[victim] as SimMember;
      const reopened = await LedgerNode.open({
        genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: dirs[victim] as string,
        replica,
        tickMs: 5,
      });
      nodes[victim] = reopened;
      await (nodes[1] as LedgerNode).submit(transfer(bank.identity, 100));
      await until(() => reopened.height === (nodes[0] as LedgerNode).height && reopened.height >= 8);
      const heads = await Promise.all(nodes.map((node) => node.block(node.height)));
      for (const head of heads) expect(bytesEqual(head?.hash as Uint8Array, heads[0]?.hash as Uint8Array)).toBe(true);
      expect(reopened.replica.stats.committedByStateTransfer).toBeGreaterThan(0);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  }, 60_000);

  it('close() rejects submissions still waiting, and a closed node refuses new ones', async () => {
    const network = new LocalNetwork();
    const { nodes } = await openAll(network);
    const lonely = nodes[2] as LedgerNode;
    network.disconnect(lonely.publicKey);
    const waiting = lonely.submit(transfer(bank.identity, 5)).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await lonely.close();
    expect(await waiting).toBeInstanceOf(NodeClosedError);
    await expect(lonely.submit(transfer(bank.identity, 6))).rejects.toBeInstanceOf(NodeClosedError);
    await Promise.all(nodes.map((node) => node.close()));
  }, 60_000);

  it('refuses a key that is not a validator, a role that does not match, and a store of another chain', async () => {
    const network = new LocalNetwork();
    const buyer = consortium.members.find((m) => m.buyer !== undefined)?.buyer;
    await expect(
      LedgerNode.open({
        genesis,
        secretKey: buyer?.secretKey as Uint8Array,
        transport: network.transport(new Uint8Array(32)),
        dataDir: join(root, 'x1'),
      }),
    ).rejects.toBeInstanceOf(NodeConfigError);
    const member = consortium.members[0] as SimMember;
    await expect(
      LedgerNode.open({
        genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: join(root, 'x2'),
        role: 'bank',
      }),
    ).rejects.toBeInstanceOf(NodeConfigError);
    const others = validators.filter((key) => !bytesEqual(key, member.identity.publicKey));
    await expect(
      LedgerNode.open({
        genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: join(root, 'x4'),
        peers: others.slice(1),
      }),
    ).rejects.toThrow(/peers are not/);
    const withPeers = await LedgerNode.open({
      genesis,
      secretKey: member.identity.secretKey,
      transport: network.transport(member.identity.publicKey),
      dataDir: join(root, 'x5'),
      peers: others,
      tickMs: null,
    });
    await withPeers.close();
    const dir = join(root, 'x3');
    const first = await LedgerNode.open({
      genesis,
      secretKey: member.identity.secretKey,
      transport: network.transport(member.identity.publicKey),
      dataDir: dir,
      tickMs: null,
    });
    await first.close();
    const other = simConsortium(6, 4);
    await expect(
      LedgerNode.open({
        genesis: { ...other.genesis, members: genesis.members, timestampMs: 1 },
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: dir,
        tickMs: null,
      }),
    ).rejects.toBeInstanceOf(NodeConfigError);
  }, 60_000);
});

describe('LedgerNode failures', () => {
  it('a store that fails makes the node fail loudly: onError, waiting submissions rejected, inputs refused', async () => {
    const network = new LocalNetwork();
    const { nodes } = await openAll(network);
    try {
      const victim = nodes[0] as LedgerNode;
      const failures: Error[] = [];
      victim.onError((error) => failures.push(error));
      // Break its store: the next append throws.
      (victim.store as unknown as { append: () => Promise<never> }).append = async () => {
        throw new Error('disk full');
      };
      const waiting = victim.submit(transfer(bank.identity, 9)).catch((error: unknown) => error);
      await until(() => failures.length > 0);
      expect(failures[0]?.message).toMatch(/disk full/);
      expect(await waiting).toBeInstanceOf(Error);
      await expect(victim.tick()).rejects.toThrow(/the node failed/);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  }, 60_000);
});
