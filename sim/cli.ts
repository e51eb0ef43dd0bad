/**
 * `consortium-ledger sim`: runs the simulator from the command line.
 *
 *   consortium-ledger sim --nodes N [--byzantine F] [--seed S] [--blocks B]
 *     [--faults none|light|swarm] [--byzantine-mode silent|equivocate|twins|forge|flood|mixed]
 *     [--store memory|leveldb] [--json] [--commits FILE] [--report FILE.html]
 *   consortium-ledger sim --seeds A..B [--shard i/n] …   one line per seed, then the failures
 *
 * Many configurations over a seed range, in worker processes: `npm run sim:campaign` (campaign.ts).
 *
 * Every run prints its seed and the command that replays it; exit 1 when a checker fails.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseCount, UsageError } from '../src/cli/args.js';
import { consortiumQuorum, quorumText } from '../src/cli/chain.js';
import { type ByzantineMode, byzantineModes } from './byzantine.js';
import { renderReport } from './report.js';
import { type FaultProfile, type SimOptions, type SimResult, simulate } from './simulation.js';

interface SimCommandOptions {
  nodes: number;
  byzantine: number;
  seed?: number;
  seeds?: [number, number];
  shard?: [number, number];
  blocks: number;
  faults: FaultProfile;
  byzantineMode: ByzantineMode;
  store: 'memory' | 'leveldb';
  data?: string;
  txRate: number;
  json?: boolean;
  commits?: string;
  report?: string;
  progress: boolean;
}

/** The command line that replays a run. */
export function replayCommand(options: Omit<SimOptions, 'onProgress' | 'recordCommits'>): string {
  const parts = [
    'consortium-ledger sim',
    `--nodes ${options.nodes}`,
    `--byzantine ${options.byzantine ?? 0}`,
    `--seed ${options.seed}`,
    `--blocks ${options.blocks ?? 20}`,
    `--faults ${options.faults ?? 'none'}`,
    `--byzantine-mode ${options.byzantineMode ?? 'silent'}`,
    `--tx-rate ${options.txRate ?? 100}`,
  ];
  if (options.store === 'leveldb') parts.push('--store leveldb');
  return parts.join(' ');
}

/** Whether a run passed every checker. */
export function passed(result: SimResult): boolean {
  return result.safetyViolations.length === 0 && result.liveness === 'ok';
}

/** The largest seed: seeds are u32 (`--seed` takes [0, 2^32 − 1]). */
const seedMax = 2 ** 32 - 1;

/** `--seeds A..B`: A ≤ B, at most a million seeds, each a seed `--seed` takes (< 2^32), so every printed replay command runs. */
export function parseRange(value: string): [number, number] {
  const match = /^(\d+)\.\.(\d+)$/.exec(value);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (
    match === null ||
    !Number.isSafeInteger(low) ||
    !Number.isSafeInteger(high) ||
    low > high ||
    high > seedMax ||
    high - low > 1_000_000
  ) {
    throw new InvalidArgumentError(
      `--seeds must be A..B with A ≤ B ≤ ${seedMax} (at most a million seeds), got ${JSON.stringify(value)}`,
    );
  }
  return [low, high];
}

/** `--shard i/n`: 1 ≤ i ≤ n. */
export function parseShard(value: string): [number, number] {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError(`--shard must be i/n with 1 ≤ i ≤ n, got ${JSON.stringify(value)}`);
  }
  return [index, count];
}

function summary(result: SimResult): [string, string][] {
  return [
    ['seed', String(result.seed)],
    ['nodes', `${result.nodes} (${result.byzantine} Byzantine: ${result.byzantineMode})`],
    ['quorum', quorumText(result.nodes)],
    ['faults', result.faults],
    // The highest height an honest node committed: the safety phase's target, the blocks that
    // were in flight when it was reached, and the liveness phase's blocks after healing.
    ['blocks committed', String(result.committedBlocks)],
    ['transactions', String(result.committedTxs)],
    ['simulated tps', result.tps.toFixed(1)],
    ['commit latency p50 / p99', `${result.latencyMs.p50} / ${result.latencyMs.p99} ms (simulated)`],
    [
      'messages sent / delivered / dropped',
      `${result.messages.sent} / ${result.messages.delivered} / ${result.messages.dropped}`,
    ],
    ['view changes', String(result.viewChanges)],
    [
      'simulated time',
      `${(result.simulatedMs / 1000).toFixed(1)} s in ${(result.wallMs / 1000).toFixed(1)} s wall (${(result.simulatedMs / Math.max(1, result.wallMs)).toFixed(1)}×)`,
    ],
    // Honest members' workload includes the frauds the ledger must refuse (double financing,
    // moving frozen funds); each refusal is counted at every honest node that committed it.
    ['fraud attempts refused (by honest nodes, from the workload)', String(result.fraudsRefused)],
    [
      'signatures',
      `${result.signatures.verified} verified, ${result.signatures.cached} verdicts reused (each signed message is verified once per process, its verdict cached by its hash)`,
    ],
    ['regulator audit', result.audit],
    ['safety', result.safetyViolations.length === 0 ? 'ok' : `${result.safetyViolations.length} violation(s)`],
    ['liveness', result.liveness],
    ['trace hash', result.traceHash],
  ];
}

async function runOne(options: SimCommandOptions, seed: number, quiet: boolean): Promise<SimResult> {
  const storeDir =
    options.store === 'leveldb' ? (options.data ?? mkdtempSync(join(tmpdir(), `consortium-sim-${seed}-`))) : undefined;
  const bar =
    !quiet && options.progress && process.stderr.isTTY === true
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: `seed ${seed} [{bar}] {value}/{total} blocks` },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(options.blocks, 0);
  try {
    return await simulate({
      nodes: options.nodes,
      byzantine: options.byzantine,
      seed,
      blocks: options.blocks,
      faults: options.faults,
      byzantineMode: options.byzantineMode,
      store: options.store,
      ...(storeDir === undefined ? {} : { storeDir }),
      txRate: options.txRate,
      recordCommits: options.commits !== undefined,
      ...(bar === undefined ? {} : { onProgress: (done: number) => bar.update(done) }),
    });
  } finally {
    bar?.stop();
  }
}

/** Adds `sim` to the program. */
export function addSimCommand(program: Command): void {
  program
    .command('sim')
    .description('simulate a consortium under faults, deterministically from a seed')
    .option('--nodes <n>', 'validators', parseCount('--nodes', 1, 256), 4)
    .option('--byzantine <n>', 'Byzantine members among them', parseCount('--byzantine', 0, 256), 0)
    .option('--seed <n>', 'seed (default: drawn and printed)', parseCount('--seed', 0, seedMax))
    .option('--seeds <A..B>', 'run every seed in a range, one line each', parseRange)
    .option('--shard <i/n>', 'with --seeds: run only every n-th seed, starting at the i-th', parseShard)
    .option('--blocks <n>', 'blocks to commit in the safety phase', parseCount('--blocks', 1, 1_000_000), 20)
    .addOption(new Option('--faults <profile>', 'fault profile').choices(['none', 'light', 'swarm']).default('none'))
    .addOption(
      new Option('--byzantine-mode <mode>', 'what Byzantine members do').choices([...byzantineModes]).default('silent'),
    )
    .addOption(new Option('--store <kind>', 'block stores').choices(['memory', 'leveldb']).default('memory'))
    .option('--data <dir>', 'with --store leveldb: the directory for the nodes’ stores (default: a new temporary one)')
    .option(
      '--tx-rate <n>',
      'offered load, transactions per simulated second',
      parseCount('--tx-rate', 1, 1_000_000),
      100,
    )
    .option('--json', 'print one JSON object')
    .option('--commits <file>', 'write one JSON line per commit per node')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--no-progress', 'no progress bar')
    .action(async (options: SimCommandOptions) => {
      if (options.byzantine > options.nodes) {
        throw new UsageError(`--byzantine ${options.byzantine} cannot exceed --nodes ${options.nodes}`);
      }
      if (options.seeds !== undefined) {
        await runSeeds(options);
        return;
      }
      const seed = options.seed ?? randomInt(0, 2 ** 32);
      const replay = replayCommand({ ...options, seed });
      if (options.json !== true) process.stderr.write(`seed ${seed}\n`);
      const result = await runOne(options, seed, options.json === true);
      if (options.commits !== undefined) {
        writeFileSync(options.commits, (result.commits ?? []).map((line) => JSON.stringify(line)).join('\n') + '\n');
      }
      if (options.report !== undefined) {
        writeFileSync(
          options.report,
          renderReport({
            title: `consortium-ledger simulation, seed ${seed}`,
            parameters: {
              nodes: result.nodes,
              byzantine: result.byzantine,
              byzantineMode: result.byzantineMode,
              faults: result.faults,
              seed,
              'target blocks (safety phase)': options.blocks,
              store: options.store,
              txRate: options.txRate,
            },
            summary: Object.fromEntries(summary(result)),
            safetyViolations: result.safetyViolations,
            liveness: result.liveness,
            replay,
            series: result.series,
          }),
        );
      }
      if (options.json === true) {
        const { series: _series, commits: _commits, ...rest } = result;
        console.log(JSON.stringify({ ...rest, consortium: consortiumQuorum(result.nodes), replay }, null, 2));
      } else {
        const width = Math.max(...summary(result).map(([key]) => key.length));
        for (const [key, value] of summary(result)) console.log(`${key.padEnd(width)}  ${value}`);
        for (const violation of result.safetyViolations) console.log(`  violation: ${violation}`);
        console.log(`replay: ${replay}`);
      }
      if (!passed(result)) {
        process.stderr.write(`FAILED; replay with: ${replay}\n`);
        process.exitCode = 1;
      }
    });
}

async function runSeeds(options: SimCommandOptions): Promise<void> {
  const [low, high] = options.seeds as [number, number];
  const [index, count] = options.shard ?? [1, 1];
  const failures: string[] = [];
  for (let seed = low; seed <= high; seed++) {
    if ((seed - low) % count !== index - 1) continue;
    const result = await runOne(options, seed, true);
    const ok = passed(result);
    console.log(
      `seed ${seed} ${ok ? 'ok' : 'FAIL'} blocks ${result.committedBlocks} txs ${result.committedTxs} ` +
        `view-changes ${result.viewChanges} liveness ${result.liveness === 'ok' ? 'ok' : 'failed'} ` +
        `safety ${result.safetyViolations.length === 0 ? 'ok' : 'failed'} trace ${result.traceHash.slice(0, 16)}`,
    );
    if (!ok)
      failures.push(`${replayCommand({ ...options, seed })}   # ${result.safetyViolations[0] ?? result.liveness}`);
  }
  if (failures.length > 0) {
    console.log(`\n${failures.length} failure(s):`);
    for (const failure of failures) console.log(failure);
    process.exitCode = 1;
  } else {
    console.log('\nno failures');
  }
}
