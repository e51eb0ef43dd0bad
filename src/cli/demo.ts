/**
 * The demo consortium (`npm start`, `consortium-ledger demo`): four members — a bank, a
 * supplier (selling to a core enterprise), a logistics firm and a regulator — each running a
 * `LedgerNode` with a real LevelDB store under `--data` (default `./data`), in one process
 * over the simulator's network model in real time (sim/live-network.ts: per-link latencies
 * drawn from a seed), every block's signatures verified in one shared `CryptoPool`.
 *
 * It tells a supply-chain-finance story, one committed step at a time: the supplier invoices
 * the core enterprise; logistics attests the shipment; the buyer accepts; the supplier splits
 * part of the receivable to a tier-2 supplier; a bank finances the rest; a second bank's
 * attempt to finance the same receivable is refused with its reason; the buyer repays at
 * maturity. Then a load phase, and a closing report: the consortium's validators n, the
 * Byzantine members it tolerates f and its quorum q; blocks, transactions, tps, commit
 * latency, every node's head (all equal), the regulator's audit (every block re-verified,
 * every state root recomputed), one transaction's inclusion proof checked against its block
 * header, and `verify-chain` over every node's store once the nodes are closed.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { LiveNetwork } from '../../sim/live-network.js';
import { bytesEqual, toHex } from '../bytes.js';
import { decodeBlockHeader } from '../codec/block.js';
import { compareKeys } from '../codec/certificate.js';
import type { Genesis, GenesisMember } from '../codec/genesis.js';
import type { Operation, Role } from '../codec/operation.js';
import { reasonCodes, reasonName } from '../codec/receipt.js';
import { encodeTransaction, signTransaction, transactionId } from '../codec/transaction.js';
import { ed25519PublicKeyFromSecret } from '../crypto/ed25519.js';
import { verifyMerkleInclusion } from '../crypto/merkle.js';
import { percentile } from '../measure.js';
import { LedgerNode } from '../node/ledger-node.js';
import { CryptoPool } from '../pool/crypto-pool.js';
import { BlockStore } from '../store/block-store.js';
import { verifyChain } from '../store/verify-chain.js';
import { makeDirectory } from './args.js';
import { type ConsortiumQuorum, consortiumQuorum, quorumText } from './chain.js';

/** Options of a demo run. */
export interface DemoOptions {
  /** Where the four stores live (one directory per member). */
  readonly dataDir: string;
  /** Transactions in the load phase. */
  readonly txs: number;
  /** Show a progress bar on stderr. */
  readonly progress: boolean;
  /** Pool threads (default: all cores). */
  readonly threads?: number;
  /** Where story lines and the report go (console.log by default). */
  readonly log?: (line: string) => void;
}

/** One step of the story. */
export interface StoryStep {
  readonly step: string;
  readonly txId: string;
  /** `applied`, or `refused: <reason>`. */
  readonly status: string;
}

/** What a demo run found. */
export interface DemoReport {
  /** Whether the stores were new (false: the run continued an earlier consortium). */
  readonly fresh: boolean;
  /** The validators n, the Byzantine members tolerated f and the quorum q. */
  readonly consortium: ConsortiumQuorum;
  readonly nodes: { role: string; dataDir: string; height: number; headHash: string }[];
  readonly story: StoryStep[];
  /** `ok`, or what the regulator's audit found. */
  readonly audit: string;
  readonly tps: number;
  readonly blocks: number;
  readonly loadTxs: number;
  readonly latencyMs: { p50: number; p99: number };
  readonly proof: { txId: string; height: number; verified: boolean };
  /** `verify-chain` on every store after the nodes closed. */
  readonly verifyChain: { role: string; ok: boolean; problem?: string }[];
  /** Balances after repayment. */
  readonly balances: Record<string, number>;
}

interface Actor {
  readonly role: Role;
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly validator: boolean;
}

function actor(label: string, role: Role, name: string, validator: boolean): Actor {
  const secretKey = new Uint8Array(createHash('sha256').update(`consortium-ledger/demo/${label}`).digest());
  return { role, name, publicKey: ed25519PublicKeyFromSecret(secretKey), secretKey, validator };
}

/** The demo consortium's members (fixed keys, so a second run continues the same chain). */
export function demoActors() {
  return {
    bank: actor('bank-a', 'bank', 'Bank A', true),
    supplier: actor('supplier', 'supplier', 'Supplier (tier 1)', true),
    logistics: actor('logistics', 'logistics', 'Logistics', true),
    regulator: actor('regulator', 'regulator', 'Regulator', true),
    buyer: actor('buyer', 'buyer', 'Core Enterprise', false),
    bankB: actor('bank-b', 'bank', 'Bank B', false),
    tier2: actor('tier2', 'supplier', 'Supplier (tier 2)', false),
  };
}

/** The demo genesis. */
export function demoGenesis(): Genesis {
  const actors = Object.values(demoActors());
  const members: GenesisMember[] = actors
    .map((a) => ({
      role: a.role,
      name: a.name,
      publicKey: a.publicKey,
      balance: a.role === 'bank' || a.role === 'buyer' ? 1_000_000_000_000 : 1_000_000,
      validator: a.validator,
    }))
    .sort((a, b) => compareKeys(a.publicKey, b.publicKey));
  return { chainId: 'demo', timestampMs: 1_767_225_600_000, members };
}

/** Runs the demo. */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const actors = demoActors();
  const genesis = demoGenesis();
  const validators = [actors.bank, actors.supplier, actors.logistics, actors.regulator];
  const fresh = !validators.some((v) => existsSync(join(options.dataDir, v.role, 'blocks')));
  makeDirectory('--data', options.dataDir);
  const pool = new CryptoPool(options.threads === undefined ? {} : { threads: options.threads });
  // The simulator's link model (LAN latencies, drawn per link) in real time.
  const network = new LiveNetwork(
    7,
    validators.map((v) => v.publicKey),
  );
  const nodes = new Map<Role, LedgerNode>();
  try {
    for (const v of validators) {
      nodes.set(
        v.role,
        await LedgerNode.open({
          genesis,
          secretKey: v.secretKey,
          role: v.role,
          transport: network.transport(v.publicKey),
          dataDir: join(options.dataDir, v.role),
          crypto: pool,
          replica: { blockTxsMax: 2048, batchTimeoutTicks: 1, viewChangeTimeoutTicks: 100, checkpointInterval: 16 },
          tickMs: 5,
        }),
      );
    }
    const at = (role: Role) => nodes.get(role) as LedgerNode;
    const bankNode = at('bank');
    log(
      fresh
        ? `consortium-ledger demo: a new 4-member consortium in ${options.dataDir} (bank, supplier, logistics, regulator)`
        : `consortium-ledger demo: continuing the consortium in ${options.dataDir} from height ${bankNode.height}`,
    );
    log(`  ${quorumText(validators.length)}`);
    const nonces = new Map<string, number>();
    const sign = (who: Actor, op: Operation): Uint8Array => {
      const key = toHex(who.publicKey);
      const nonce = nonces.get(key) ?? (bankNode.ledger.account(who.publicKey)?.nonce ?? 0) + 1;
      nonces.set(key, nonce + 1);
      return encodeTransaction(
        signTransaction({ chainId: genesis.chainId, sender: who.publicKey, nonce, op }, who.secretKey),
      );
    };
    const story: StoryStep[] = [];
    const step = async (description: string, via: Role, who: Actor, op: Operation): Promise<Uint8Array> => {
      const tx = sign(who, op);
      const receipt = await at(via).submit(tx);
      const status =
        receipt.code === reasonCodes.ok ? 'applied' : `refused: ${reasonName(receipt.code) ?? receipt.code}`;
      const txId = toHex(transactionId(tx));
      story.push({ step: description, txId, status });
      log(
        `  ${String(story.length).padStart(2)}. ${description.padEnd(58)} ${status.padEnd(26)} tx ${txId.slice(0, 16)}…`,
      );
      return transactionId(tx);
    };

    log('\nThe story (each step printed as it commits):');
    const invoice = createHash('sha256')
      .update(`demo invoice ${Date.now()} ${toHex(actors.supplier.publicKey)}`)
      .digest();
    const dueTimeMs = Date.now() + 2_000;
    const amount = 1_000_000;
    const receivable = await step(
      'the supplier invoices the core enterprise (1,000,000)',
      'supplier',
      actors.supplier,
      {
        type: 'issueReceivable',
        buyer: actors.buyer.publicKey,
        amount,
        dueTimeMs,
        invoiceCommitment: new Uint8Array(invoice),
      },
    );
    await step('logistics attests the shipment', 'logistics', actors.logistics, {
      type: 'attestShipment',
      receivableId: receivable,
      shipmentId: `SHP-${Date.now()}`,
      sensorRecordHash: new Uint8Array(createHash('sha256').update('sensor record').digest()),
      shippedTimeMs: Date.now(),
    });
    await step('the core enterprise accepts the debt', 'supplier', actors.buyer, {
      type: 'acceptReceivable',
      receivableId: receivable,
    });
    await step('the supplier splits 300,000 to its tier-2 supplier', 'supplier', actors.supplier, {
      type: 'splitReceivable',
      receivableId: receivable,
      to: actors.tier2.publicKey,
      amount: 300_000,
    });
    const financing = await step('Bank A finances the remaining 700,000 (pays 679,000)', 'bank', actors.bank, {
      type: 'financeReceivable',
      receivableId: receivable,
      price: 679_000,
    });
    await step('Bank B tries to finance the same receivable again', 'regulator', actors.bankB, {
      type: 'financeReceivable',
      receivableId: receivable,
      price: 690_000,
    });
    const before = {
      bankA: bankNode.ledger.account(actors.bank.publicKey)?.balance ?? 0,
      tier2: bankNode.ledger.account(actors.tier2.publicKey)?.balance ?? 0,
      buyer: bankNode.ledger.account(actors.buyer.publicKey)?.balance ?? 0,
    };
    const wait = dueTimeMs + 50 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await step('at maturity the core enterprise repays every holder', 'supplier', actors.buyer, {
      type: 'repayReceivable',
      receivableId: receivable,
    });
    const balances = {
      bankA: (bankNode.ledger.account(actors.bank.publicKey)?.balance ?? 0) - before.bankA,
      tier2: (bankNode.ledger.account(actors.tier2.publicKey)?.balance ?? 0) - before.tier2,
      buyer: (bankNode.ledger.account(actors.buyer.publicKey)?.balance ?? 0) - before.buyer,
    };
    log(
      `     repayment: Bank A +${balances.bankA}, tier-2 supplier +${balances.tier2}, core enterprise ${balances.buyer}`,
    );

    // Load phase: transfers among the members with balances, submitted in batches at the bank's node.
    log(`\nLoad phase: ${options.txs} transactions`);
    const senders = [actors.bank, actors.bankB, actors.buyer];
    const txs: Uint8Array[] = [];
    for (let i = 0; i < options.txs; i++) {
      const from = senders[i % senders.length] as Actor;
      const to = senders[(i + 1) % senders.length] as Actor;
      txs.push(sign(from, { type: 'transfer', to: to.publicKey, amount: 1 + (i % 100) }));
    }
    const bar = options.progress
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'load [{bar}] {value}/{total} txs | {eta_formatted} left' },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(options.txs, 0);
    const submittedAt = new Map<string, number>();
    const latencies: number[] = [];
    let committed = 0;
    const allCommitted = new Promise<void>((resolve) => {
      if (options.txs === 0) resolve();
      const stop = bankNode.onBlock((block) => {
        const now = performance.now();
        for (const receipt of block.receipts) {
          const sent = submittedAt.get(toHex(receipt.txId));
          if (sent === undefined) continue;
          submittedAt.delete(toHex(receipt.txId));
          latencies.push(now - sent);
          committed++;
        }
        bar?.update(committed);
        if (committed >= options.txs) {
          stop();
          resolve();
        }
      });
    });
    const loadStarted = performance.now();
    const batch = 1024;
    for (let i = 0; i < txs.length; i += batch) {
      while (submittedAt.size > 16_384) await new Promise((resolve) => setTimeout(resolve, 2));
      const chunk = txs.slice(i, i + batch);
      const now = performance.now();
      for (const tx of chunk) submittedAt.set(toHex(transactionId(tx)), now);
      await bankNode.offer(chunk);
    }
    await allCommitted;
    const loadMs = performance.now() - loadStarted;
    bar?.stop();
    const tps = options.txs / Math.max(0.001, loadMs / 1000);

    // Let every node reach the same head.
    const target = bankNode.height;
    const started = Date.now();
    while ([...nodes.values()].some((node) => node.height < target) && Date.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const heads = await Promise.all(
      validators.map(async (v) => {
        const node = at(v.role);
        const head = await node.block(node.height);
        return {
          role: v.role,
          dataDir: join(options.dataDir, v.role),
          height: node.height,
          headHash: toHex(head?.hash ?? new Uint8Array(32)),
        };
      }),
    );

    // The regulator's audit: its whole store re-verified, every state root recomputed.
    const audit = await verifyChain(at('regulator').store, { crypto: pool });
    // One transaction's inclusion proof, checked against its block header.
    const found = await at('logistics').transaction(financing);
    const header = found === undefined ? undefined : decodeBlockHeader(found.headerBytes);
    const proofVerified =
      found !== undefined &&
      header !== undefined &&
      bytesEqual(header.txRoot, found.txRoot) &&
      verifyMerkleInclusion(financing, found.proof, header.txRoot);

    const report = {
      fresh,
      consortium: consortiumQuorum(validators.length),
      nodes: heads,
      story,
      audit: audit.ok ? 'ok' : `block ${audit.badHeight}: ${audit.problem}`,
      tps,
      blocks: bankNode.height,
      loadTxs: options.txs,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
      proof: { txId: toHex(financing), height: found?.height ?? -1, verified: proofVerified },
      verifyChain: [] as { role: string; ok: boolean; problem?: string }[],
      balances,
    };
    for (const node of nodes.values()) await node.close();
    nodes.clear();
    for (const v of validators) {
      const store = await BlockStore.open(join(options.dataDir, v.role, 'blocks'), { create: false });
      try {
        const checked = await verifyChain(store, { crypto: pool });
        report.verifyChain.push({
          role: v.role,
          ok: checked.ok,
          ...(checked.ok ? {} : { problem: checked.problem ?? '' }),
        });
      } finally {
        await store.close();
      }
    }
    return report;
  } finally {
    for (const node of nodes.values()) await node.close().catch(() => undefined);
    await pool.close();
  }
}

/** Prints the closing report. */
export function printDemoReport(report: DemoReport, log: (line: string) => void = (line) => console.log(line)): void {
  log('\nReport');
  log(`  consortium: ${quorumText(report.consortium.validators)}`);
  log(
    `  blocks ${report.blocks}; load ${report.loadTxs} txs at ${report.tps.toFixed(0)} tps; commit latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`,
  );
  for (const node of report.nodes) log(`  ${node.role.padEnd(10)} height ${node.height}  head ${node.headHash}`);
  const equal = report.nodes.every((node) => node.headHash === report.nodes[0]?.headHash);
  log(`  heads equal on every node: ${equal ? 'yes' : 'NO'}`);
  log(`  regulator's audit (every block re-verified, every state root recomputed): ${report.audit}`);
  log(
    `  inclusion proof of tx ${report.proof.txId.slice(0, 16)}… in block ${report.proof.height}: ${report.proof.verified ? 'verified against its header' : 'NOT verified'}`,
  );
  for (const check of report.verifyChain)
    log(`  verify-chain ${check.role.padEnd(10)} ${check.ok ? 'ok' : `FAILED: ${check.problem}`}`);
}
