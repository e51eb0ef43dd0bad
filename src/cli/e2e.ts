/**
 * The end-to-end throughput benchmark (`consortium-ledger bench e2e`): the signed transactions
 * per second ONE node sustains through the whole pipeline — decode, batch verification of
 * every transaction's signature in a `CryptoPool`, PBFT with three peer replicas whose votes
 * are real signed messages, execution with the state-root update, the tx and receipts Merkle
 * roots, and the synced LevelDB commit of each block with its commit certificate.
 *
 * Four `LedgerNode`s run in this process over one `LocalNetwork`, each with its own LevelDB
 * store. The measured node is the primary of view 0 (the validator whose public key sorts
 * first); every transaction is submitted to it. Transactions are signed before the clock
 * starts; the clock runs from the first submission until the measured node has committed the
 * last one (counted from its `onBlock` receipts).
 *
 * The peers run on the same cores as the measured node, so they are made as cheap as is
 * honest: each repeats decoding, execution, the state root, its own LevelDB commit, and every
 * consensus message with its signature verification, but it does not verify the block's
 * transaction signatures again — its ledger's crypto backend reuses the verdicts the measured
 * node's pool produced for the same packed batch (matched by SHA-256 of the packed bytes, as
 * sim/verify-cache.ts does). The report says so in its notes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type SimIdentity, simConsortium } from '../../sim/consortium.js';
import { PackedVerdicts } from '../../sim/verify-cache.js';
import { bytesEqual, toHex } from '../bytes.js';
import { compareKeys } from '../codec/certificate.js';
import { type Receipt, reasonCodes, reasonName } from '../codec/receipt.js';
import { encodeTransaction, signTransaction, transactionId } from '../codec/transaction.js';
import { type CryptoBackend, inlineCrypto } from '../crypto/backend.js';
import { poolThreadsMax, pendingRequestsMax as replicaPendingMax, requestTxsMax } from '../limits.js';
import { cpuTicks } from '../measure.js';
import { type CommittedBlock, LedgerNode, type NodeTimings } from '../node/ledger-node.js';
import { LocalNetwork } from '../node/local-network.js';
import { CryptoPool } from '../pool/crypto-pool.js';
import { makeDirectory, parseCount, UsageError } from './args.js';

/** Options of an end-to-end run. */
export interface E2eOptions {
  /** Signed transactions to time (including the invalid ones). */
  txs: number;
  /** Fraction of them, in [0, 1], that carry a corrupted signature (refused with `badSignature`). */
  invalidFraction: number;
  /** Most transactions per block (default 4096). */
  blockTxsMax?: number;
  /** Where the four stores go (kept after the run; must be empty or absent). Default: a temp dir, removed after. */
  dataDir?: string;
  /** Pool threads of the measured node (default: all cores). */
  threads?: number;
  /** Untimed valid transactions committed before the clock starts (JIT warm-up). Default min(1024, txs). */
  warmupTxs?: number;
  /** Called after each block the measured node commits in the timed phase. */
  onProgress?: (done: number, total: number) => void;
}

/** One stage of the measured node's time. */
export interface E2eStage {
  /** Milliseconds per transaction. */
  msPerTx: number;
  /** Share of the wall time (the stages' shares sum to 1). */
  share: number;
}

/** What an end-to-end run measured. */
export interface E2eReport {
  /** Transactions timed (committed + refused). */
  txs: number;
  /** Applied (`ok` receipts). */
  committed: number;
  /** Refused with a receipt (`badSignature`: the corrupted ones). */
  refused: number;
  /** txs ÷ wall seconds. */
  tps: number;
  /** From the first submission to the measured node's commit of the last transaction. */
  wallMs: number;
  invalidFraction: number;
  /** Blocks the measured node committed in the timed phase. */
  blocks: number;
  /** The measured node's wall time by stage, per transaction. */
  stages: Record<string, E2eStage>;
  notes: string[];
}

/** Stage names, in report order. */
export const e2eStageNames = {
  verify: 'signature verification (pool)',
  execute: 'execution + state root + tx/receipt roots',
  consensus: 'consensus (replica logic, message signing and verification)',
  store: 'LevelDB commit',
  records: 'replica records',
  other: "other (event loop, peers' work on the same cores, waiting)",
} as const;

const seed = 1;
const chainId = 'e2e';
const blockTxsMaxDefault = 4096;
const tickMs = 2;
/** No block for this long: the run is stuck (a view change, a lost message): give up with the heights. */
const stallMs = 60_000;

/** The filesystem type of the mount holding `path` (best effort, Linux). */
function filesystemOf(path: string): string | undefined {
  try {
    const absolute = resolve(path);
    let best: { mount: string; type: string } | undefined;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mount, type] = line.split(' ');
      if (mount === undefined || type === undefined) continue;
      const within = absolute === mount || absolute.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
      if (within && (best === undefined || mount.length > best.mount.length)) best = { mount, type };
    }
    return best === undefined ? undefined : `${best.type} (mounted on ${best.mount})`;
  } catch {
    return undefined;
  }
}

/**
 * The measured node's pool verdicts are offered to the peers' ledgers: a peer executing the
 * same block packs the same signatures and takes the verdicts instead of verifying again. The
 * measured node only keeps a reference to its packed batch (no hashing on its path).
 */
const sharedVerdictsMax = 64;

/** The measured node's backend: the pool, with the time inside `verifyPackedBatch` counted. */
function timedPool(pool: CryptoPool, shared: PackedVerdicts): { backend: CryptoBackend; verifyMs: () => number } {
  let verifyMs = 0;
  const backend: CryptoBackend = {
    sha256Many: (messages) => pool.sha256Many(messages),
    merkleRoot: (leaves) => pool.merkleRoot(leaves),
    verifyBatch: (items) => pool.verifyBatch(items),
    verifyMerkleInclusionMany: (items) => pool.verifyMerkleInclusionMany(items),
    verifyPackedBatch: async (packed) => {
      const started = performance.now();
      try {
        const verdicts = await pool.verifyPackedBatch(packed);
        shared.remember(packed, verdicts);
        return verdicts;
      } finally {
        verifyMs += performance.now() - started;
      }
    },
  };
  return { backend, verifyMs: () => verifyMs };
}

/** The positions, among `count`, of `invalid` spread evenly. */
function invalidPositions(count: number, invalid: number): Set<number> {
  const positions = new Set<number>();
  if (invalid === 0) return positions;
  for (let i = 0; i < count; i++) {
    if (Math.floor(((i + 1) * invalid) / count) > Math.floor((i * invalid) / count)) positions.add(i);
  }
  return positions;
}

interface Workload {
  readonly warmup: Uint8Array[];
  readonly timed: Uint8Array[];
  /** Hex ids of the timed transactions with a corrupted signature. */
  readonly invalidIds: Set<string>;
  readonly senders: number;
}

/**
 * Transfers of 1 token, round robin over the members with balance (the banks and the buyers),
 * each sender's nonces sequential over its valid transactions. A corrupted transaction is
 * signed with the sender's next nonce and then has a byte of its signature flipped: refused
 * for its signature before its nonce is looked at, it takes no nonce, and the valid
 * transaction that follows it uses that nonce.
 */
function workload(senders: readonly SimIdentity[], warmupCount: number, count: number, invalid: number): Workload {
  const nonces = senders.map(() => 0);
  let turn = 0;
  const make = (corrupt: boolean): Uint8Array => {
    const k = turn++ % senders.length;
    const from = senders[k] as SimIdentity;
    const to = senders[(k + 1) % senders.length] as SimIdentity;
    const nonce = (nonces[k] as number) + 1;
    if (!corrupt) nonces[k] = nonce;
    const tx = encodeTransaction(
      signTransaction(
        { chainId, sender: from.publicKey, nonce, op: { type: 'transfer', to: to.publicKey, amount: 1 } },
        from.secretKey,
      ),
    );
    if (corrupt) {
      const at = tx.length - 64; // the signature's first byte (R)
      tx[at] = (tx[at] as number) ^ 0x01;
    }
    return tx;
  };
  const warmup = Array.from({ length: warmupCount }, () => make(false));
  const corrupt = invalidPositions(count, invalid);
  const invalidIds = new Set<string>();
  const timed = Array.from({ length: count }, (_, i) => {
    const tx = make(corrupt.has(i));
    if (corrupt.has(i)) invalidIds.add(toHex(transactionId(tx)));
    return tx;
  });
  return { warmup, timed, invalidIds, senders: senders.length };
}

/** Prepares `dir` for the stores: created if absent; refused if it holds anything. */
function prepareDataDir(dir: string): void {
  makeDirectory('--data', dir);
  if (readdirSync(dir).length > 0) {
    throw new UsageError(`--data ${dir} is not empty: the e2e run needs fresh stores (nonces start at 1)`);
  }
}

const timingKeys = ['replicaMs', 'executeMs', 'storeMs', 'recordsMs', 'blocks', 'txs'] as const;

function snapshot(timings: NodeTimings): NodeTimings {
  return { ...timings };
}

function delta(after: NodeTimings, before: NodeTimings): NodeTimings {
  const out = { ...after };
  for (const key of timingKeys) out[key] = after[key] - before[key];
  return out;
}

/**
 * Runs the end-to-end benchmark once: four nodes over a LocalNetwork, every transaction
 * submitted to the measured node (the primary of view 0) in batches with a bounded number in
 * flight, timed until the measured node has committed them all.
 * @throws UsageError for a non-empty `dataDir`; Error if a transaction gets an unexpected receipt or the run stalls.
 */
export async function runE2e(options: E2eOptions): Promise<E2eReport> {
  const total = options.txs;
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError('runE2e: txs must be an integer ≥ 1');
  if (!(options.invalidFraction >= 0 && options.invalidFraction <= 1))
    throw new RangeError('runE2e: invalidFraction must be in [0, 1]');
  const blockTxsMax = options.blockTxsMax ?? blockTxsMaxDefault;
  const batch = Math.min(requestTxsMax, blockTxsMax);
  // Enough waiting that every block the primary proposes is full; well inside the request pool.
  const inFlightMax = Math.min(replicaPendingMax - batch, 4 * blockTxsMax);
  const invalidCount = Math.round(total * options.invalidFraction);
  const warmupCount = options.warmupTxs ?? Math.min(1024, total);
  const threads = options.threads ?? os.availableParallelism();

  const { genesis, members } = simConsortium(seed, 4, chainId);
  const validators = genesis.members.filter((m) => m.validator).sort((a, b) => compareKeys(a.publicKey, b.publicKey));
  const primaryKey = (validators[0] as (typeof validators)[number]).publicKey;
  const rich = new Set(
    genesis.members.filter((m) => m.balance >= 2 * (total + warmupCount)).map((m) => toHex(m.publicKey)),
  );
  const senders = members
    .flatMap((m) => (m.buyer === undefined ? [m.identity] : [m.identity, m.buyer]))
    .filter((who) => (who.role === 'bank' || who.role === 'buyer') && rich.has(toHex(who.publicKey)));
  if (senders.length === 0) throw new Error('runE2e: no member holds enough tokens to send from');

  // Sign everything before the clock starts.
  const work = workload(senders, warmupCount, total, invalidCount);

  const root =
    options.dataDir === undefined ? mkdtempSync(join(os.tmpdir(), 'consortium-e2e-')) : resolve(options.dataDir);
  if (options.dataDir !== undefined) prepareDataDir(root);
  const pool = new CryptoPool({ threads });
  const shared = new PackedVerdicts(sharedVerdictsMax);
  const peersCrypto = shared.backend(inlineCrypto, { remember: false });
  const measuredCrypto = timedPool(pool, shared);
  const network = new LocalNetwork();
  const nodes: LedgerNode[] = [];
  try {
    await pool.ready();
    for (const member of members) {
      const measured = bytesEqual(member.identity.publicKey, primaryKey);
      const node = await LedgerNode.open({
        genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: join(root, `node-${member.index}-${member.identity.role}`),
        crypto: measured ? measuredCrypto.backend : peersCrypto,
        replica: {
          blockTxsMax,
          batchTimeoutTicks: 1,
          checkpointInterval: 16,
          // Ticks are 2 ms: re-sending an unfinished PRE-PREPARE (a whole block) every few ticks
          // would flood the peers while they still work on it, and a block may take 100+ ms.
          resendTicks: 500,
          viewChangeTimeoutTicks: 5000,
        },
        tickMs,
      });
      if (measured) nodes.unshift(node);
      else nodes.push(node);
    }
    const node = nodes[0] as LedgerNode;

    // Counting receipts at the measured node; `waiters` wake the submitter after each block.
    let phase: 'warmup' | 'timed' = 'warmup';
    let phaseTarget = work.warmup.length;
    let done = 0;
    let committed = 0;
    let refused = 0;
    let blocks = 0;
    let lastBlockAt = performance.now();
    let failure: Error | undefined;
    let finishedAt = 0;
    let timingsAtEnd: NodeTimings | undefined;
    let verifyMsAtEnd = 0;
    let waiters: (() => void)[] = [];
    const wake = () => {
      const list = waiters;
      waiters = [];
      for (const resolveWaiter of list) resolveWaiter();
    };
    const nextBlock = () =>
      new Promise<void>((resolveWaiter) => {
        waiters.push(resolveWaiter);
      });
    const unexpected = (receipt: Receipt, why: string) => {
      failure ??= new Error(
        `runE2e: transaction ${toHex(receipt.txId)} got receipt ${reasonName(receipt.code) ?? receipt.code} (${why})`,
      );
    };
    const stopListening = node.onBlock((block: CommittedBlock) => {
      lastBlockAt = performance.now();
      for (const receipt of block.receipts) {
        done++;
        if (receipt.code === reasonCodes.ok) {
          committed++;
          continue;
        }
        refused++;
        if (phase === 'warmup') unexpected(receipt, 'a warm-up transaction, all valid');
        else if (receipt.code !== reasonCodes.badSignature || !work.invalidIds.has(toHex(receipt.txId)))
          unexpected(receipt, 'only the corrupted transactions may be refused, for their signature');
      }
      if (phase === 'timed') {
        blocks++;
        options.onProgress?.(Math.min(done, phaseTarget), phaseTarget);
        if (done >= phaseTarget && timingsAtEnd === undefined) {
          finishedAt = performance.now();
          timingsAtEnd = snapshot(node.timings);
          verifyMsAtEnd = measuredCrypto.verifyMs();
        }
      }
      wake();
    });
    const watchdog = setInterval(() => {
      if (performance.now() - lastBlockAt > stallMs) {
        failure ??= new Error(
          `runE2e: no block for ${stallMs / 1000} s (${done}/${phaseTarget} ${phase} transactions in; heights ${nodes.map((n) => n.height).join(', ')}; view ${node.replica.view})`,
        );
        wake();
      }
    }, 1000); // not unref'd: it keeps the process alive to report a stall (cleared below)

    /** Submits `txs` to the measured node, at most `inFlightMax` uncommitted, and waits for all their receipts. */
    const drive = async (txs: readonly Uint8Array[]): Promise<void> => {
      for (let i = 0; i < txs.length; i += batch) {
        const chunk = txs.slice(i, i + batch);
        while (failure === undefined && i - done + chunk.length > inFlightMax) await nextBlock();
        if (failure !== undefined) throw failure;
        await node.offer(chunk);
      }
      while (failure === undefined && done < txs.length) await nextBlock();
      if (failure !== undefined) throw failure;
    };

    try {
      lastBlockAt = performance.now();
      await drive(work.warmup);
      // Timed phase: the counters restart; the node's cumulative timings are read as differences.
      phase = 'timed';
      phaseTarget = total;
      done = 0;
      committed = 0;
      refused = 0;
      const timingsBefore = snapshot(node.timings);
      const peersBefore = nodes.slice(1).map((peer) => snapshot(peer.timings));
      const verifyMsBefore = measuredCrypto.verifyMs();
      const cpuBefore = cpuTicks();
      const started = performance.now();
      lastBlockAt = started;
      await drive(work.timed);
      const cpuAfter = cpuTicks();
      const wallMs = finishedAt - started;
      const spent = delta(timingsAtEnd as NodeTimings, timingsBefore);
      const verifyMs = verifyMsAtEnd - verifyMsBefore;

      // Not timed: the peers reach the same head (a benchmark of a broken consortium is no benchmark).
      const target = node.height;
      const waitStarted = Date.now();
      while (nodes.some((n) => n.height < target) && Date.now() - waitStarted < 30_000) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 5));
      }
      const heads = await Promise.all(nodes.map(async (n) => (await n.block(target))?.hash));
      const agree = heads.every((hash) => hash !== undefined && bytesEqual(hash, heads[0] as Uint8Array));
      // The peers' own work for the same blocks, summed over the three (their async waits overlap one another).
      const peersSpent = nodes
        .slice(1)
        .map((peer, i) => delta(snapshot(peer.timings), peersBefore[i] as NodeTimings))
        .reduce((sum, t) => {
          for (const key of timingKeys) sum[key] += t[key];
          return sum;
        });
      const usPerTx = (ms: number) => `${((1000 * ms) / total).toFixed(1)}`;

      const stageMs: Record<string, number> = {
        [e2eStageNames.verify]: verifyMs,
        [e2eStageNames.execute]: Math.max(0, spent.executeMs - verifyMs),
        [e2eStageNames.consensus]: spent.replicaMs,
        [e2eStageNames.store]: spent.storeMs,
        [e2eStageNames.records]: spent.recordsMs,
      };
      const measuredSum = Object.values(stageMs).reduce((sum, ms) => sum + ms, 0);
      stageMs[e2eStageNames.other] = Math.max(0, wallMs - measuredSum);
      const accounted = Math.max(wallMs, measuredSum);
      const stages: Record<string, E2eStage> = {};
      for (const [name, ms] of Object.entries(stageMs)) stages[name] = { msPerTx: ms / total, share: ms / accounted };

      const cores = os.availableParallelism();
      const notes: string[] = [];
      const seconds = wallMs / 1000;
      if (cpuBefore !== undefined && cpuAfter !== undefined) {
        const selfCores = (cpuAfter.self - cpuBefore.self) / 100 / seconds;
        // Clamped at 0: the two counters are read at slightly different moments.
        const othersCores = Math.max(
          0,
          (cpuAfter.machine - cpuBefore.machine - (cpuAfter.self - cpuBefore.self)) / 100 / seconds,
        );
        notes.push(
          `CPU during the timed run: this process kept ${selfCores.toFixed(2)} of ${cores} cores busy (all 4 nodes and the pool's ${threads} threads); other processes ${othersCores.toFixed(2)} cores.`,
        );
      }
      notes.push(
        `Measured node: the primary of view 0 (${toHex(primaryKey).slice(0, 16)}…), every transaction submitted to it with offer() in batches of up to ${batch}, at most ${inFlightMax} uncommitted; ${spent.blocks} blocks of up to ${blockTxsMax} transactions; ${total} transfers from ${work.senders} senders, ${invalidCount} with a corrupted signature; ${warmupCount} valid warm-up transactions committed before the clock started, not counted.`,
        `All 4 nodes share this machine's ${cores} cores: the main thread runs all four nodes (the peers' decoding, execution, state roots, consensus and store writes compete with the measured node's), and the measured node's pool (${threads} threads) verifies on the same cores.`,
        `Peers repeat decoding, execution, the state root, their own synced LevelDB commit, and every consensus message with its signature verification; they skip re-verifying transaction signatures — their ledgers reuse the measured node's pool verdicts for the identical packed batch, matched by its SHA-256 (${shared.stats.reused} verdicts reused, ${shared.stats.verified} verified by peers themselves). The measured node verifies every transaction signature in its pool.`,
        `The peers' own work, summed over the three, in µs per transaction: execution ${usPerTx(peersSpent.executeMs)} (decode, reused verdicts, execution, state root, roots), consensus ${usPerTx(peersSpent.replicaMs)}, LevelDB commit ${usPerTx(peersSpent.storeMs)}, replica records ${usPerTx(peersSpent.recordsMs)} (store and records are waits that overlap one another and the measured node's).`,
        `Stages are the measured node's own serial work (LedgerNode.timings, with the pool's verifyPackedBatch timed by a wrapper); "other" is the rest of the wall time: waiting for the peers' votes (their work runs on the same cores), ticks, the event loop.`,
        `Stores: synced LevelDB under ${options.dataDir === undefined ? 'a temp dir (removed after)' : `${root} (kept)`} on ${filesystemOf(root) ?? 'an unknown filesystem'}.`,
        agree
          ? `All 4 nodes reached height ${target} with the same head hash.`
          : `NOT all nodes reached height ${target} with the same head within 30 s (heights ${nodes.map((n) => n.height).join(', ')}).`,
      );
      return {
        txs: total,
        committed,
        refused,
        tps: total / seconds,
        wallMs,
        invalidFraction: options.invalidFraction,
        blocks,
        stages,
        notes,
      };
    } finally {
      clearInterval(watchdog);
      stopListening();
    }
  } finally {
    for (const n of nodes) await n.close().catch(() => undefined);
    await pool.close();
    if (options.dataDir === undefined) rmSync(root, { recursive: true, force: true });
  }
}

function parseFraction(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new InvalidArgumentError(`--invalid must be a fraction in [0, 1], got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** The report as a table (µs per transaction and share of each stage). */
export function formatE2eReport(report: E2eReport): string {
  const lines = [
    `end-to-end: ${report.txs} txs (${(report.invalidFraction * 100).toFixed(2)} % invalid) in ${(report.wallMs / 1000).toFixed(2)} s, ${report.blocks} blocks`,
    `  throughput                   ${Math.round(report.tps).toLocaleString('en-US')} tps (${report.committed} applied, ${report.refused} refused)`,
    '',
    `  ${'stage (measured node)'.padEnd(62)} ${'µs/tx'.padStart(8)} ${'share'.padStart(7)}`,
  ];
  for (const [name, stage] of Object.entries(report.stages)) {
    lines.push(
      `  ${name.padEnd(62)} ${(stage.msPerTx * 1000).toFixed(2).padStart(8)} ${`${(stage.share * 100).toFixed(1)} %`.padStart(7)}`,
    );
  }
  lines.push('', ...report.notes.map((note) => `  ${note}`));
  return lines.join('\n');
}

/** Adds `e2e` to the `bench` command. */
export function addE2eCommand(bench: Command): void {
  bench
    .command('e2e')
    .description(
      'end-to-end throughput of one node (the primary) in a 4-node consortium in this process: pool-verified signatures, PBFT, execution, synced LevelDB commits',
    )
    .option('--json', 'print the report as JSON', false)
    .option('--txs <n>', 'transactions to time', parseCount('--txs', 1, 1_000_000), 20_000)
    .option('--invalid <fraction>', 'fraction of transactions with a corrupted signature, in [0, 1]', parseFraction, 0)
    .option('--data <dir>', 'where the four stores go (kept; must be empty); default a temp dir, removed after')
    .option('--block-txs <n>', 'most transactions per block', parseCount('--block-txs', 1, 1 << 14), blockTxsMaxDefault)
    .option('--threads <n>', 'pool threads (default: all cores)', parseCount('--threads', 1, poolThreadsMax))
    .action(
      async (options: {
        json: boolean;
        txs: number;
        invalid: number;
        data?: string;
        blockTxs: number;
        threads?: number;
      }) => {
        const bar =
          !options.json && process.stderr.isTTY === true
            ? new cliProgress.SingleBar(
                { stream: process.stderr, format: 'e2e [{bar}] {value}/{total} txs | {eta_formatted} left' },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        let started = false;
        let report: E2eReport;
        try {
          report = await runE2e({
            txs: options.txs,
            invalidFraction: options.invalid,
            blockTxsMax: options.blockTxs,
            ...(options.data === undefined ? {} : { dataDir: options.data }),
            ...(options.threads === undefined ? {} : { threads: options.threads }),
            onProgress: (done, total) => {
              if (!started) {
                bar?.start(total, 0);
                started = true;
              }
              bar?.update(done);
            },
          });
        } finally {
          bar?.stop();
        }
        if (options.json) {
          console.log(
            JSON.stringify(
              {
                txs: report.txs,
                tps: report.tps,
                stages: report.stages,
                invalidFraction: report.invalidFraction,
                committed: report.committed,
                refused: report.refused,
                blocks: report.blocks,
                wallMs: report.wallMs,
                notes: report.notes,
              },
              null,
              2,
            ),
          );
        } else {
          console.log(formatE2eReport(report));
        }
      },
    );
}
