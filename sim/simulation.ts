/**
 * The deterministic consortium simulator: one seed, one virtual clock, one event queue
 * ordered by (time, sequence). The same seed and options give the same event trace, and so
 * the same `traceHash`, on any machine. Each subsystem draws from its own stream derived from
 * the seed (`Prng.stream`): the network, the fault schedule, the workload and its arrivals,
 * the tick phases, the Byzantine mode draw and each adversary, so a draw added in one does not
 * reshuffle the others.
 *
 * A run has two phases, as TigerBeetle's simulator does. In the safety phase the fault
 * profile applies (loss, duplication, replays, partitions, clogged links, crashes, pauses) and
 * the Byzantine members misbehave, until the target number of blocks commits (or a simulated
 * time cap). Then, in the liveness phase, the network heals, crashed and paused honest nodes
 * come back, and the honest members must converge and commit new blocks within a bounded
 * simulated time. Checkers run on every commit throughout (checkers.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { toHex } from '../src/bytes.js';
import { faultsTolerated, quorumSize } from '../src/consensus/quorum.js';
import { Ledger } from '../src/ledger/ledger.js';
import { percentile } from '../src/measure.js';
import type { NodeReplicaOptions } from '../src/node/ledger-node.js';
import { Prng } from '../src/prng.js';
import { verifyChain } from '../src/store/verify-chain.js';
import { type AdversaryContext, adversaryFor, type ByzantineMode, drawnModes } from './byzantine.js';
import { Checkers } from './checkers.js';
import { type SimMember, simConsortium } from './consortium.js';
import { EventQueue } from './event-queue.js';
import { drawChaos, type FaultProfile, faultProfiles } from './faults.js';
import { Network } from './network.js';
import { type CommitRecord, type NodeHost, SimNode } from './node.js';
import { VerifyCache } from './verify-cache.js';
import { Workload, type WorkloadTx } from './workload.js';

export type { FaultProfile } from './faults.js';

/** Options of a run. */
export interface SimOptions {
  /** Validators (≥ 1). */
  readonly nodes: number;
  /** Byzantine members among them (default 0; more than f is allowed, and safety may then fail). */
  readonly byzantine?: number;
  readonly seed: number;
  /** Blocks to commit in the safety phase (default 20). */
  readonly blocks?: number;
  readonly faults?: FaultProfile;
  readonly byzantineMode?: ByzantineMode;
  /** `memory` (memory-level, default) or `leveldb` (a LevelDB directory per node under `storeDir`). */
  readonly store?: 'memory' | 'leveldb';
  readonly storeDir?: string;
  /** Offered load, transactions per simulated second for the whole consortium (default 100). */
  readonly txRate?: number;
  /** Keep one line per commit per node (for `--commits`). */
  readonly recordCommits?: boolean;
  /** Replica tuning over the simulator's defaults (checkpoint interval, timeouts, block size …). */
  readonly replica?: NodeReplicaOptions;
  /** Called as blocks commit (committed, target). */
  readonly onProgress?: (committed: number, target: number) => void;
}

/** One commit line of `--commits`. */
export interface CommitLine {
  readonly node: number;
  readonly role: string;
  readonly byzantine: boolean;
  readonly height: number;
  readonly hash: string;
  readonly stateRoot: string;
  readonly txs: string[];
}

/** What a run found. */
export interface SimResult {
  readonly seed: number;
  readonly nodes: number;
  readonly byzantine: number;
  readonly byzantineMode: ByzantineMode;
  readonly faults: FaultProfile;
  readonly committedBlocks: number;
  readonly committedTxs: number;
  readonly traceHash: string;
  readonly safetyViolations: string[];
  readonly liveness: string;
  readonly audit: string;
  readonly messages: { sent: number; delivered: number; dropped: number };
  readonly viewChanges: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly latencyMs: { p50: number; p99: number };
  readonly tps: number;
  readonly fraudsRefused: number;
  /** Crashes: between events, landed on a write (armed), and amnesiac restarts (records forgotten). */
  readonly crashes: { betweenEvents: number; onWrite: number; amnesiaRestarts: number };
  readonly signatures: { verified: number; cached: number };
  readonly series: {
    commitLatency: { timeMs: number[]; latencyMs: number[] };
    throughput: { timeMs: number[]; txsPerSec: number[] };
    views: { timeMs: number[]; view: number[] };
    messagesPerNode: { node: string[]; sent: number[]; delivered: number[]; dropped: number[] };
  };
  readonly commits?: CommitLine[];
}

type SimEvent =
  | { t: 'deliver'; from: number; to: number; bytes: Uint8Array }
  | { t: 'tick'; node: number }
  | { t: 'load'; node: number }
  | { t: 'chaos' }
  | { t: 'restart'; node: number }
  | { t: 'amnesia'; node: number }
  | { t: 'resume'; node: number }
  | { t: 'heal' };

/** Messages per node. */
interface Traffic {
  sent: number;
  delivered: number;
  dropped: number;
}

const tickMs = 10;
const livenessBlocks = 3;
const livenessMsMax = 60_000;

/** Draws of a twins split before one with a quorum on one side is given up on (the last draw stands). */
const twinsSplitDrawsMax = 16;

/** Mean time between an amnesiac member's crashes, ms (each forgets its safety records). */
const amnesiaCrashEveryMs = 600;

/** Runs one simulation. */
export async function simulate(options: SimOptions): Promise<SimResult> {
  // Wall time is only reported (wallMs): it never enters the trace or decides anything.
  const wallStarted = performance.now();
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError('simulate: nodes must be an integer in 1..256');
  const byzantineCount = options.byzantine ?? 0;
  if (!Number.isInteger(byzantineCount) || byzantineCount < 0 || byzantineCount > n) {
    throw new RangeError('simulate: byzantine must be an integer in 0..nodes');
  }
  const seed = options.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError('simulate: seed must be a non-negative integer');
  const blocksTarget = options.blocks ?? 20;
  const faults = options.faults ?? 'none';
  const mode = options.byzantineMode ?? 'silent';
  const stream = (name: string) => Prng.stream(seed, name);
  const faultPrng = stream('faults');
  const arrivals = stream('arrivals');
  const profile = faultProfiles[faults](faultPrng);
  const consortium = simConsortium(seed, n);
  const validators = consortium.genesis.members.filter((m) => m.validator).map((m) => m.publicKey);
  const cache = new VerifyCache();
  const trace = createHash('sha256');

  // Byzantine members: the last `byzantineCount` nodes (node 0, the regulator, stays honest).
  const byzantine = new Set<number>();
  for (let i = n - byzantineCount; i < n; i++) byzantine.add(i);
  const twinsOf: number[] = [];
  const members: SimMember[] = [...consortium.members];
  const endpoints: { member: SimMember; twinOf?: number }[] = members.map((member) => ({ member }));
  const modeOf = new Map<number, Exclude<ByzantineMode, 'mixed'>>();
  const modeDraws = stream('byzantine');
  for (const index of byzantine) {
    const drawn: Exclude<ByzantineMode, 'mixed'> =
      mode === 'mixed' ? (drawnModes[modeDraws.below(drawnModes.length)] ?? 'silent') : mode;
    modeOf.set(index, drawn);
    if (drawn === 'twins') {
      twinsOf.push(index);
      endpoints.push({ member: members[index] as SimMember, twinOf: index });
    }
  }

  const queue = new EventQueue<SimEvent>();
  let now = 0;
  const network = new Network(stream('network'), endpoints.length, profile);
  const nodes: SimNode[] = [];
  const submitted = new Map<string, WorkloadTx>();
  const submittedAtMs = new Map<string, number>();
  const honest = new Set<number>();
  endpoints.forEach((_, id) => {
    if (!byzantine.has(id) && endpoints[id]?.twinOf === undefined) honest.add(id);
  });
  const checkers = new Checkers(honest, submitted);
  const violations = checkers.violations;
  const perNode: Traffic[] = endpoints.map(() => ({ sent: 0, delivered: 0, dropped: 0 }));
  let delivered = 0;
  let droppedAtNode = 0;
  let viewChanges = 0;
  const commitLines: CommitLine[] = [];
  const firstCommitMs = new Map<number, number>();
  const blockLatency: { timeMs: number; latencyMs: number }[] = [];
  const txLatencies: number[] = [];
  const committedTxTimes: number[] = [];
  const views: { timeMs: number; view: number }[] = [];
  let highestHonest = 0;

  const byKey = new Map<string, number[]>();
  endpoints.forEach((endpoint, id) => {
    const key = toHex(endpoint.member.identity.publicKey);
    byKey.set(key, [...(byKey.get(key) ?? []), id]);
  });

  const send = (from: SimNode, to: number, bytes: Uint8Array) => {
    (perNode[from.id] as Traffic).sent++;
    for (const delivery of network.route(from.id, to, now, bytes)) {
      queue.push(now + delivery.delayMs, { t: 'deliver', from: from.id, to, bytes: delivery.bytes });
    }
  };
  const host: NodeHost = {
    nowMs: () => now,
    send(from, key, bytes) {
      for (const id of byKey.get(toHex(key)) ?? []) if (id !== from.id) send(from, id, bytes);
    },
    broadcast(from, bytes) {
      for (let id = 0; id < endpoints.length; id++) if (id !== from.id) send(from, id, bytes);
    },
    committed(node, record) {
      trace.update(`c|${node.id}|${record.height}|${toHex(record.hash)}\n`);
      checkers.commit(record, node.ledger);
      workload.committed(record.txIds);
      onCommit(node, record);
    },
    viewChanged(node, view, phase) {
      trace.update(`v|${node.id}|${view}|${phase}\n`);
      if (phase === 'changing' && honest.has(node.id)) viewChanges++;
      if (honest.has(node.id)) {
        const highest = Math.max(view, views[views.length - 1]?.view ?? 0);
        views.push({ timeMs: now, view: highest });
      }
    },
    violation(description) {
      violations.push(description);
    },
  };

  const onCommit = (node: SimNode, record: CommitRecord) => {
    if (options.recordCommits === true) {
      commitLines.push({
        node: node.id,
        role: node.member.identity.role,
        byzantine: !honest.has(node.id),
        height: record.height,
        hash: toHex(record.hash),
        stateRoot: toHex(record.stateRoot),
        txs: record.txIds.map((id) => toHex(id)),
      });
    }
    if (!honest.has(node.id) || firstCommitMs.has(record.height)) return;
    firstCommitMs.set(record.height, now);
    highestHonest = Math.max(highestHonest, record.height);
    const latencies: number[] = [];
    for (const id of record.txIds) {
      const at = submittedAtMs.get(toHex(id));
      if (at !== undefined) latencies.push(now - at);
      committedTxTimes.push(now);
    }
    txLatencies.push(...latencies);
    blockLatency.push({ timeMs: now, latencyMs: latencies.length > 0 ? percentile(latencies, 0.5) : 0 });
    options.onProgress?.(Math.min(highestHonest, blocksTarget), blocksTarget);
  };

  const replicaOptions = {
    checkpointInterval: 8,
    viewChangeTimeoutTicks: 50,
    resendTicks: 20,
    stateTransferTimeoutTicks: 20,
    blockTxsMax: 512,
    batchTimeoutTicks: 2,
    ...options.replica,
  };
  const storeRoot = options.storeDir ?? '.';
  const genesisBlockHash = (await Ledger.fromGenesis(consortium.genesis).genesisBlock()).block.hash;
  for (let id = 0; id < endpoints.length; id++) {
    const endpoint = endpoints[id] as (typeof endpoints)[number];
    const drawn = modeOf.get(endpoint.twinOf ?? id);
    const context: AdversaryContext = {
      chainId: consortium.genesis.chainId,
      validators,
      genesisBlockHash,
      prng: stream(`adversary/${id}`),
      crypto: cache.backend,
    };
    const adversary = byzantine.has(id) && drawn !== undefined ? adversaryFor(drawn, context) : undefined;
    const node = await SimNode.create(
      {
        member: endpoint.member,
        id,
        genesis: consortium.genesis,
        crypto: cache.backend,
        verifyBatch: cache.verifyBatch,
        replica: replicaOptions,
        storage: options.store === 'leveldb' ? join(storeRoot, `node-${id}`) : 'memory',
        ...(adversary === undefined ? {} : { adversary }),
      },
      host,
    );
    node.onCrash = () => {
      // An armed crash landed on one of the node's writes.
      trace.update(`x|crash-landed|${id}\n`);
      crashes.onWrite++;
      queue.push(now + pendingRestartMs(id), { t: 'restart', node: id });
    };
    nodes.push(node);
  }

  // Offered load: the consortium's rate, split over the submitting nodes by weights drawn per seed.
  const workload = new Workload(stream('workload'), consortium.genesis.chainId, members, 0.05);
  const totalRate = options.txRate ?? 100;
  const weights = nodes.map(() => 0.5 + arrivals.nextFloat());
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const rateOf = (id: number) => (totalRate * (weights[id] as number)) / weightSum;
  const phases = stream('clock');
  for (const node of nodes) {
    queue.push(phases.nextFloat() * tickMs, { t: 'tick', node: node.id });
    if (node.adversary?.submits !== false && rateOf(node.id) > 0)
      queue.push(arrivals.nextFloat() * 100, { t: 'load', node: node.id });
  }
  const amnesiaPrng = stream('amnesia');
  for (const node of nodes) {
    if (node.adversary?.amnesia === true) {
      // The first crash early (runs are short), then one every amnesiaCrashEveryMs on average.
      queue.push(100 + 300 * amnesiaPrng.nextFloat(), { t: 'amnesia', node: node.id });
    }
  }
  if (profile.chaosEveryMs > 0) queue.push(profile.chaosEveryMs, { t: 'chaos' });
  if (twinsOf.length > 0) twinsPartition();

  const run = { phase: 'safety' as 'safety' | 'liveness' };
  const safetyMsMax = 20_000 + blocksTarget * 2_000;
  let livenessFrom = 0;
  let livenessHeight = 0;
  let liveness = 'not reached';
  const f = faultsTolerated(n);

  function twinsPartition(): void {
    // Each twin pair split across two halves of the other nodes, drawn from the seed. A split
    // in which neither half holds a quorum of members that vote commits nothing for as long as
    // it lasts (16 members: q = 11), which tests nothing; so the draw is repeated (a bounded
    // number of times) until one half can commit, as Twins' scenario generators choose their
    // partitions.
    const quorum = quorumSize(n);
    let groups: number[] = [];
    for (let draw = 0; draw < twinsSplitDrawsMax; draw++) {
      groups = endpoints.map(() => faultPrng.below(2));
      endpoints.forEach((endpoint, id) => {
        if (endpoint.twinOf !== undefined) groups[id] = 1 - (groups[endpoint.twinOf] as number);
      });
      const voters = [new Set<number>(), new Set<number>()];
      endpoints.forEach((endpoint, id) => {
        const member = endpoint.twinOf ?? id;
        if (modeOf.get(member) !== 'silent') voters[groups[id] as number]?.add(member);
      });
      if (voters.some((side) => side.size >= quorum)) break;
    }
    network.partition(groups);
  }

  const crashes = { betweenEvents: 0, onWrite: 0, amnesiaRestarts: 0 };
  /** Restart delays of crashes that landed on a write, drawn when the crash was armed. */
  const restartDelays = new Map<number, number>();
  function pendingRestartMs(id: number): number {
    const delay = restartDelays.get(id) ?? 500;
    restartDelays.delete(id);
    return delay;
  }

  /** Crashes `node` now, or arms a crash on its `atWrite`-th write from now (it lands when it writes). */
  async function crash(node: SimNode, restartAfterMs: number, atWrite: number | undefined): Promise<void> {
    if (atWrite !== undefined && node.disk !== undefined) {
      trace.update(`x|arm-crash|${node.id}|${atWrite}\n`);
      restartDelays.set(node.id, restartAfterMs);
      node.armCrash(atWrite);
      return;
    }
    trace.update(`x|crash|${node.id}\n`);
    crashes.betweenEvents++;
    await node.crash();
    queue.push(now + restartAfterMs, { t: 'restart', node: node.id });
  }

  async function chaos(): Promise<void> {
    const honestIds = [...honest];
    const downOrPaused = nodes.filter(
      (node) => honest.has(node.id) && (!node.up || node.paused || node.disk?.armed === true),
    ).length;
    const action = drawChaos(faultPrng, honestIds, downOrPaused, Math.max(1, f), endpoints.length);
    if (action === undefined) return;
    switch (action.kind) {
      case 'crash': {
        const node = nodes[action.node] as SimNode;
        if (node.up && !node.paused && node.disk?.armed !== true)
          await crash(node, action.restartAfterMs, action.atWrite);
        return;
      }
      case 'pause': {
        const node = nodes[action.node] as SimNode;
        if (node.up && !node.paused) {
          trace.update(`x|pause|${action.node}\n`);
          node.paused = true;
          queue.push(now + action.resumeAfterMs, { t: 'resume', node: action.node });
        }
        return;
      }
      case 'partition':
        trace.update('x|partition\n');
        network.partition(action.groups);
        queue.push(now + action.healAfterMs, { t: 'heal' });
        return;
      case 'deafen':
        trace.update(`x|deafen|${action.node}\n`);
        network.deafen(action.node);
        queue.push(now + action.healAfterMs, { t: 'heal' });
        return;
      case 'clog':
        trace.update(`x|clog|${action.from}|${action.to}\n`);
        network.clog(action.from, action.to, now + action.forMs);
        return;
      case 'isolate':
        trace.update(`x|isolate|${action.node}\n`);
        network.partition(endpoints.map((_, id) => (id === action.node ? 1 : 0)));
        queue.push(now + action.healAfterMs, { t: 'heal' });
        return;
    }
  }

  async function startLiveness(): Promise<void> {
    run.phase = 'liveness';
    trace.update('p|liveness\n');
    network.heal();
    if (twinsOf.length > 0) {
      // The core quorum: the honest nodes and the original of each twin pair; the twins are cut off.
      network.partition(endpoints.map((endpoint) => (endpoint.twinOf === undefined ? 0 : 1)));
    }
    for (const node of nodes) {
      if (!honest.has(node.id)) continue;
      node.paused = false;
      node.disk?.disarm();
      if (!node.up) await node.restart();
    }
    livenessFrom = now;
    livenessHeight = highestHonest;
  }

  while (queue.size > 0) {
    const scheduled = queue.pop();
    if (scheduled === undefined) break;
    now = scheduled.timeMs;
    const event = scheduled.event;
    switch (event.t) {
      case 'deliver': {
        const node = nodes[event.to] as SimNode;
        trace.update(`d|${event.from}|${event.to}|${event.bytes.length}|${event.bytes[1]}\n`);
        if (!node.up) {
          droppedAtNode++;
          (perNode[event.to] as Traffic).dropped++;
          break;
        }
        if (node.paused) {
          queue.push(now + tickMs, event); // held until it resumes
          break;
        }
        delivered++;
        (perNode[event.to] as Traffic).delivered++;
        await node.deliver(event.bytes);
        break;
      }
      case 'tick': {
        const node = nodes[event.node] as SimNode;
        if (node.up && !node.paused) await node.tick();
        queue.push(now + tickMs, event);
        break;
      }
      case 'load': {
        const node = nodes[event.node] as SimNode;
        if (node.up && !node.paused) {
          const tx = workload.next(node, now);
          if (tx !== undefined) {
            submitted.set(tx.idHex, tx);
            submittedAtMs.set(tx.idHex, now);
            trace.update(`l|${event.node}|${tx.idHex}\n`);
            await node.submit([tx.bytes]);
          }
        }
        // Exponential inter-arrival times at the node's rate.
        queue.push(now + (1000 / rateOf(event.node)) * -Math.log(1 - arrivals.nextFloat()), event);
        break;
      }
      case 'chaos':
        if (run.phase === 'safety') {
          await chaos();
          queue.push(now + profile.chaosEveryMs * (0.5 + faultPrng.nextFloat()), event);
        }
        break;
      case 'amnesia': {
        // An amnesiac member crashes (between events or on a write) and restarts without its records.
        const node = nodes[event.node] as SimNode;
        if (node.up && node.disk?.armed !== true) {
          const atWrite = amnesiaPrng.below(2) === 0 ? undefined : amnesiaPrng.below(3);
          await crash(node, 100 + amnesiaPrng.below(500), atWrite);
        }
        queue.push(now + amnesiaCrashEveryMs * (0.5 + amnesiaPrng.nextFloat()), event);
        break;
      }
      case 'restart': {
        const node = nodes[event.node] as SimNode;
        if (!node.up) {
          trace.update(`x|restart|${event.node}\n`);
          if (node.adversary?.amnesia === true) crashes.amnesiaRestarts++;
          await node.restart();
        }
        break;
      }
      case 'resume':
        (nodes[event.node] as SimNode).paused = false;
        break;
      case 'heal':
        if (run.phase === 'safety') {
          network.heal();
          if (twinsOf.length > 0) twinsPartition();
        }
        break;
    }
    if (violations.length > 0 && run.phase === 'safety') break;
    if (run.phase === 'safety' && (highestHonest >= blocksTarget || now > safetyMsMax)) await startLiveness();
    if (run.phase === 'liveness') {
      const core = nodes.filter((node) => honest.has(node.id));
      const heights = core.map((node) => node.height);
      if (Math.min(...heights) >= livenessHeight + livenessBlocks && Math.min(...heights) === Math.max(...heights)) {
        liveness = 'ok';
        break;
      }
      if (now - livenessFrom > livenessMsMax) {
        liveness = `no convergence within ${livenessMsMax / 1000} s of healing: honest heights ${heights.join(', ')} (from ${livenessHeight})`;
        if (process.env.SIM_DEBUG) {
          for (const node of nodes) {
            const r = node.replica;
            console.error(
              node.id,
              modeOf.get(node.id) ?? 'honest',
              node.up,
              r.view,
              r.phase,
              r.committed.height,
              r.stableCheckpoint.sequence,
              r.pendingRequests,
              JSON.stringify(r.stats.dropped),
              JSON.stringify(r.footprint),
            );
          }
        }
        break;
      }
    }
  }
  if (violations.length > 0 && liveness === 'not reached') liveness = 'not checked: safety failed';

  // End: the ledger invariants on every honest node, and the regulator's audit of its store.
  const supply = consortium.genesis.members.reduce((sum, member) => sum + member.balance, 0);
  for (const node of nodes) if (honest.has(node.id) && node.up) checkers.invariants(node.id, node.ledger, supply);
  const regulator = nodes[0] as SimNode;
  let audit = 'not run';
  if (regulator.up) {
    const report = await verifyChain(regulator.store, { crypto: cache.backend });
    audit = report.ok ? 'ok' : `block ${report.badHeight}: ${report.problem}`;
    if (!report.ok) violations.push(`regulator audit: ${audit}`);
  }
  for (const node of nodes) await node.close();

  const simulatedMs = now;
  const seconds = Math.max(1, Math.ceil(simulatedMs / 1000));
  const throughput = Array.from({ length: seconds }, () => 0);
  for (const at of committedTxTimes) {
    const bucket = Math.min(seconds - 1, Math.floor(at / 1000));
    throughput[bucket] = (throughput[bucket] as number) + 1;
  }
  const result: SimResult = {
    seed,
    nodes: n,
    byzantine: byzantineCount,
    byzantineMode: mode,
    faults,
    committedBlocks: highestHonest,
    committedTxs: committedTxTimes.length,
    traceHash: trace.digest('hex'),
    safetyViolations: violations,
    liveness,
    audit,
    messages: { sent: network.stats.sent, delivered, dropped: network.stats.dropped + droppedAtNode },
    viewChanges,
    simulatedMs: Math.round(simulatedMs),
    wallMs: Math.round(performance.now() - wallStarted),
    latencyMs: { p50: percentile(txLatencies, 0.5), p99: percentile(txLatencies, 0.99) },
    tps: committedTxTimes.length / Math.max(0.001, simulatedMs / 1000),
    fraudsRefused: checkers.fraudsRefused,
    crashes,
    signatures: { verified: cache.stats.verified, cached: cache.stats.cached },
    series: {
      commitLatency: { timeMs: blockLatency.map((p) => p.timeMs), latencyMs: blockLatency.map((p) => p.latencyMs) },
      throughput: { timeMs: throughput.map((_, i) => i * 1000), txsPerSec: throughput },
      views: { timeMs: views.map((p) => p.timeMs), view: views.map((p) => p.view) },
      messagesPerNode: {
        node: endpoints.map((e, id) => `${id} ${e.member.identity.role}${honest.has(id) ? '' : ' (byz)'}`),
        sent: perNode.map((p) => p.sent),
        delivered: perNode.map((p) => p.delivered),
        dropped: perNode.map((p) => p.dropped),
      },
    },
    ...(options.recordCommits === true ? { commits: commitLines } : {}),
  };
  return result;
}
