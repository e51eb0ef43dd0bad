/**
 * A proposed block's timestamp is bounded on both sides. A backup refuses a block more than
 * `blockTimestampFutureToleranceMs` ahead of its own clock (`LedgerNode`'s check, since the
 * replica reads no clock) or older than its parent block (the ledger's check): it does not
 * PREPARE, and its replica counts the refusal under a named reason. A primary never proposes
 * a block its own bound would refuse. End to end: a primary whose clock is far in the future
 * gets nothing committed by honest backups, and a receivable due in 2100 is not repaid early.
 *
 * One node is real (a `LedgerNode` over memory-level); its peers are scripted with their
 * keys: the test signs their PRE-PREPAREs, PREPAREs and COMMITs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLevel } from 'memory-level';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimIdentity, type SimMember, simConsortium } from '../../sim/consortium.js';
import { bytesEqual } from '../../src/bytes.js';
import { blockHash, encodeBlockHeader } from '../../src/codec/block.js';
import {
  type ConsensusBody,
  type ConsensusMessageKind,
  consensusMessageKind,
  encodeConsensusMessage,
} from '../../src/codec/consensus.js';
import { type Receipt, reasonCodes } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction, transactionId } from '../../src/codec/transaction.js';
import type { ProposedBlock } from '../../src/ledger/block-work.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { blockTimestampFutureToleranceMs } from '../../src/limits.js';
import { LedgerNode } from '../../src/node/ledger-node.js';
import { LocalNetwork } from '../../src/node/local-network.js';
import { MemoryRecords } from '../../src/node/records.js';
import type { MessageHandler, Transport } from '../../src/node/transport.js';
import type { StoreDatabase } from '../../src/store/index.js';

const consortium = simConsortium(17, 4);
const { genesis } = consortium;
/** Validators in ascending key order: validator v mod 4 is the primary of view v. */
const validators = genesis.members.filter((m) => m.validator).map((m) => m.publicKey);
function identityOf(key: Uint8Array): SimIdentity {
  return (consortium.members.find((m) => bytesEqual(m.identity.publicKey, key)) as SimMember).identity;
}
const primary = identityOf(validators[0] as Uint8Array);
const backup = identityOf(validators[1] as Uint8Array);
const otherBackups = [validators[2], validators[3]].map((key) => identityOf(key as Uint8Array));
const tolerance = blockTimestampFutureToleranceMs;

/** A transport whose peers are the test: it keeps what the node sends and delivers what the test signs. */
class ScriptedTransport implements Transport {
  readonly sent: Uint8Array[] = [];
  #handler: MessageHandler | undefined;

  send(_to: Uint8Array, message: Uint8Array): void {
    this.sent.push(message);
  }

  broadcast(message: Uint8Array): void {
    this.sent.push(message);
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {}

  /** Delivers a message signed by `from`; resolves once the node has handled it. */
  deliver(from: SimIdentity, body: ConsensusBody): Promise<void> {
    const handler = this.#handler as MessageHandler;
    return handler(from.publicKey, encodeConsensusMessage(genesis.chainId, from, body));
  }

  sentKinds(): ConsensusMessageKind[] {
    return this.sent.map((message) => consensusMessageKind(message));
  }
}

const opened: LedgerNode[] = [];
afterAll(async () => {
  await Promise.all(opened.map((node) => node.close()));
});

/** A fresh node for `identity` with a scripted transport, its clock read from `clock`. */
async function openNode(
  identity: SimIdentity,
  clock: () => number,
  extra: { blockTimestampFutureToleranceMs?: number } = {},
): Promise<{ node: LedgerNode; transport: ScriptedTransport }> {
  const transport = new ScriptedTransport();
  const node = await LedgerNode.open({
    genesis,
    secretKey: identity.secretKey,
    transport,
    database: new MemoryLevel<Uint8Array, Uint8Array>({
      keyEncoding: 'view',
      valueEncoding: 'view',
    }) as StoreDatabase,
    records: new MemoryRecords(),
    tickMs: null,
    clock,
    sync: false,
    replica: { batchTimeoutTicks: 0 },
    ...extra,
  });
  opened.push(node);
  return { node, transport };
}

/** The primary's side of the chain: builds empty blocks on the committed tip, as any primary would. */
class ScriptedPrimary {
  readonly ledger = Ledger.fromGenesis(genesis);
  tipHash: Uint8Array = new Uint8Array(32);
  tipCertificate: Uint8Array = new Uint8Array(0);

  static async create(): Promise<ScriptedPrimary> {
    const built = new ScriptedPrimary();
    built.tipHash = (await built.ledger.genesisBlock()).block.hash;
    return built;
  }

  /** An empty block on the tip at `timestampMs`, left tentative in the ledger. */
  build(timestampMs: number): Promise<ProposedBlock> {
    return this.ledger.propose([], {
      previousHash: this.tipHash,
      timestampMs,
      proposer: primary.publicKey,
      ...(this.tipCertificate.length > 0 ? { previousCertificateBytes: this.tipCertificate } : {}),
    });
  }

  /**
   * An empty block on the tip at `timestampMs`, even one the ledger would refuse to build: a
   * valid one at `validMs` with its header's timestamp rewritten (an empty block's roots do
   * not depend on its time).
   */
  async forge(timestampMs: number, validMs: number): Promise<{ bytes: Uint8Array; hash: Uint8Array }> {
    const proposed = await this.build(validMs);
    this.ledger.discard(proposed.executed);
    const header = encodeBlockHeader({ ...proposed.block.header, timestampMs });
    const bytes = proposed.bytes.slice();
    bytes.set(header, 0);
    return { bytes, hash: blockHash(header) };
  }
}

function prePrepare(height: number, block: { bytes: Uint8Array; hash: Uint8Array }): ConsensusBody {
  return { kind: 'pre-prepare', view: 0, sequence: height, digest: block.hash, block: block.bytes };
}

/** What the backup did with a PRE-PREPARE of `block`: whether it sent a PREPARE, and its refusals. */
async function proposeTo(
  target: { node: LedgerNode; transport: ScriptedTransport },
  height: number,
  block: { bytes: Uint8Array; hash: Uint8Array },
): Promise<{ prepared: boolean; dropped: Record<string, number | undefined> }> {
  const sentBefore = target.transport.sent.length;
  await target.transport.deliver(primary, prePrepare(height, block));
  const kinds = target.transport.sentKinds().slice(sentBefore);
  return { prepared: kinds.includes('prepare'), dropped: { ...target.node.replica.stats.dropped } };
}

const genesisMs = genesis.timestampMs;

describe('a backup bounds a proposal timestamp by its own clock', () => {
  for (const [label, option] of [
    ['default tolerance', undefined],
    ['tolerance 0', 0],
    ['tolerance 250 ms', 250],
  ] as const) {
    it(`${label}: exactly at clock + tolerance is accepted, 1 ms over is refused (no PREPARE, timestamp-ahead)`, async () => {
      const allowed = option ?? tolerance;
      const nowMs = genesisMs + 60_000;
      const extra = option === undefined ? {} : { blockTimestampFutureToleranceMs: option };
      const builder = await ScriptedPrimary.create();

      const at = await openNode(backup, () => nowMs, extra);
      const accepted = await proposeTo(at, 1, await builder.forge(nowMs + allowed, genesisMs));
      expect(accepted.prepared).toBe(true);
      expect(accepted.dropped['timestamp-ahead']).toBeUndefined();

      const over = await openNode(backup, () => nowMs, extra);
      const refused = await proposeTo(over, 1, await builder.forge(nowMs + allowed + 1, genesisMs));
      expect(refused.prepared).toBe(false);
      expect(refused.dropped['timestamp-ahead']).toBe(1);
      expect(refused.dropped['invalid-proposal']).toBeUndefined();
    });
  }

  it('a clock that does not return ms since the epoch fails the node instead of passing every bound', async () => {
    const builder = await ScriptedPrimary.create();
    const broken = await openNode(backup, () => Number.NaN);
    const failures: Error[] = [];
    broken.node.onError((error) => failures.push(error));
    await expect(proposeTo(broken, 1, await builder.forge(genesisMs, genesisMs))).rejects.toThrow(
      /clock\(\) returned NaN/,
    );
    expect(failures).toHaveLength(1);
  });

  it('refuses a tolerance that is not a non-negative integer', async () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(openNode(backup, Date.now, { blockTimestampFutureToleranceMs: bad })).rejects.toThrow(RangeError);
    }
  });
});

describe('a backup bounds a proposal timestamp by its parent block', () => {
  it('block 1: equal to the genesis time is accepted, 1 ms older is refused (no PREPARE, timestamp-before-parent)', async () => {
    const builder = await ScriptedPrimary.create();
    const equal = await openNode(backup, () => genesisMs);
    const accepted = await proposeTo(equal, 1, await builder.forge(genesisMs, genesisMs));
    expect(accepted.prepared).toBe(true);

    const older = await openNode(backup, () => genesisMs);
    const refused = await proposeTo(older, 1, await builder.forge(genesisMs - 1, genesisMs));
    expect(refused.prepared).toBe(false);
    expect(refused.dropped['timestamp-before-parent']).toBe(1);
    expect(refused.dropped['invalid-proposal']).toBeUndefined();
  });

  it('block 2 on a committed block 1: equal to its time is accepted, 1 ms older is refused', async () => {
    const parentMs = genesisMs + 5_000;
    for (const [offsetMs, expected] of [
      [0, true],
      [-1, false],
    ] as const) {
      const builder = await ScriptedPrimary.create();
      const target = await openNode(backup, () => parentMs);
      // Block 1 at parentMs commits: PRE-PREPARE, the other backups' PREPAREs, a quorum of COMMITs.
      const block1 = await builder.build(parentMs);
      await target.transport.deliver(primary, prePrepare(1, { bytes: block1.bytes, hash: block1.block.hash }));
      const vote = { view: 0, sequence: 1, digest: block1.block.hash };
      for (const other of otherBackups) await target.transport.deliver(other, { kind: 'prepare', ...vote });
      for (const other of [primary, ...otherBackups])
        await target.transport.deliver(other, { kind: 'commit', ...vote });
      expect(target.node.height).toBe(1);
      builder.ledger.commit(block1.executed);
      builder.tipHash = block1.block.hash;
      builder.tipCertificate = (await target.node.certificate(1)) as Uint8Array;

      const outcome = await proposeTo(target, 2, await builder.forge(parentMs + offsetMs, parentMs));
      expect(outcome.prepared).toBe(expected);
      expect(outcome.dropped['timestamp-before-parent']).toBe(expected ? undefined : 1);
    }
  });
});

describe('a primary never proposes a timestamp its own bound refuses', () => {
  const tx = encodeTransaction(
    signTransaction(
      {
        chainId: genesis.chainId,
        sender: primary.publicKey,
        nonce: 1,
        op: { type: 'transfer', to: backup.publicKey, amount: 1 },
      },
      primary.secretKey,
    ),
  );

  for (const [label, clockMs, proposes] of [
    ['its clock ahead of the parent: proposes at its clock', genesisMs + 1_000, true],
    ['the parent exactly the tolerance ahead of its clock: proposes at the parent time', genesisMs - tolerance, true],
    ['the parent 1 ms more ahead: proposes nothing', genesisMs - tolerance - 1, false],
  ] as const) {
    it(label, async () => {
      const { node, transport } = await openNode(primary, () => clockMs);
      await node.offer([tx]);
      const kinds = transport.sentKinds();
      expect(kinds).toContain('request');
      expect(kinds.includes('pre-prepare')).toBe(proposes);
    });
  }
});

describe('a primary whose clock is far in the future', () => {
  const root = mkdtempSync(join(tmpdir(), 'consortium-timestamp-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const supplierMember = consortium.members.find((m) => m.buyer !== undefined) as SimMember;
  const supplier = supplierMember.identity;
  const buyer = supplierMember.buyer as SimIdentity;
  const dueTimeMs = Date.UTC(2100, 0, 1);
  const farFutureMs = 8e15;
  let run = 0;

  /** Four nodes, the primary of view 0 with a clock at 8e15 ms; issue, accept and repay a receivable due in 2100. */
  async function repayEarly(honestTolerance: number | undefined) {
    const network = new LocalNetwork();
    const dir = join(root, `run${run++}`);
    const nodes = await Promise.all(
      consortium.members.map((member, i) =>
        LedgerNode.open({
          genesis,
          secretKey: member.identity.secretKey,
          transport: network.transport(member.identity.publicKey),
          dataDir: join(dir, `n${i}`),
          replica: { viewChangeTimeoutTicks: 20, batchTimeoutTicks: 1 },
          tickMs: 5,
          ...(bytesEqual(member.identity.publicKey, primary.publicKey)
            ? { clock: () => farFutureMs }
            : honestTolerance === undefined
              ? {}
              : { blockTimestampFutureToleranceMs: honestTolerance }),
        }),
      ),
    );
    try {
      const honest = nodes.find((node) => !bytesEqual(node.publicKey, primary.publicKey)) as LedgerNode;
      const signed = (who: SimIdentity, nonce: number, op: Parameters<typeof signTransaction>[0]['op']) =>
        encodeTransaction(
          signTransaction({ chainId: genesis.chainId, sender: who.publicKey, nonce, op }, who.secretKey),
        );
      const issue = signed(supplier, 1, {
        type: 'issueReceivable',
        buyer: buyer.publicKey,
        amount: 1_000,
        dueTimeMs,
        invoiceCommitment: new Uint8Array(32).fill(run),
      });
      const receivableId = transactionId(issue);
      const receipts: Receipt[] = [];
      receipts.push(await honest.submit(issue));
      receipts.push(await honest.submit(signed(buyer, 1, { type: 'acceptReceivable', receivableId })));
      receipts.push(await honest.submit(signed(buyer, 2, { type: 'repayReceivable', receivableId })));
      const heads = await Promise.all(nodes.map((node) => node.block(node.height)));
      const backups = nodes.filter((node) => !bytesEqual(node.publicKey, primary.publicKey));
      return {
        codes: receipts.map((receipt) => receipt.code),
        headTimestamps: heads.map((head) => head?.header.timestampMs as number),
        refusedAhead: backups.map((node) => node.replica.stats.dropped['timestamp-ahead'] ?? 0),
      };
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  }

  it('gets no block committed by honest backups, and a receivable due in 2100 is not repaid early', async () => {
    const startedMs = Date.now();
    const outcome = await repayEarly(undefined);
    expect(outcome.codes).toEqual([reasonCodes.ok, reasonCodes.ok, reasonCodes.notMature]);
    for (const timestampMs of outcome.headTimestamps) {
      expect(timestampMs).toBeGreaterThanOrEqual(startedMs);
      expect(timestampMs).toBeLessThanOrEqual(Date.now() + tolerance);
    }
    // Every honest backup refused the far-future proposal (view 0's) at least once.
    for (const refused of outcome.refusedAhead) expect(refused).toBeGreaterThan(0);
  }, 60_000);

  it('probe: with the bound lifted on the honest nodes, the same run repays at once (the test can fail)', async () => {
    const outcome = await repayEarly(Number.MAX_SAFE_INTEGER);
    expect(outcome.codes).toEqual([reasonCodes.ok, reasonCodes.ok, reasonCodes.ok]);
    expect(outcome.headTimestamps.every((timestampMs) => timestampMs === farFutureMs)).toBe(true);
  }, 60_000);
});
