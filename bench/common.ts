/**
 * Shared benchmark plumbing: tinybench runs, one row per (case, implementation), ratios of
 * ours against each peer measured in the same run, a console table, JSON and Markdown.
 * Benchmarks are not tests: nothing here fails on timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';

/** One measured (case, implementation) pair. */
export interface BenchRow {
  case: string;
  impl: string;
  /** Items per second (hashes, signatures, roots…; see `unit`). */
  itemsPerSec: number;
  unit: string;
  /** Median time per call, milliseconds. */
  msPerCall: number;
  /** Ours ÷ this implementation (items/s), when this row is a peer. */
  oursOverThis?: number;
  note?: string;
}

/** A suite's result: what `npm run bench -- <name>` prints and writes. */
export interface BenchTable {
  name: string;
  rows: BenchRow[];
  notes?: string[];
}

/** One thing to measure: `fn` does `items` units of work per call. */
export interface BenchTask {
  case: string;
  impl: string;
  items: number;
  unit: string;
  fn: () => unknown;
  /** Set on our own implementation: the reference the peers are compared to. */
  ours?: boolean;
  note?: string;
}

/** The name our implementation carries in every table. */
export const oursName = 'consortium-ledger';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function timeOnce(task: BenchTask, timeMs: number, iterationsMin: number, warmup: boolean): Promise<number> {
  const bench = new Bench({
    time: timeMs,
    iterations: iterationsMin,
    warmup,
    warmupTime: 50,
    warmupIterations: warmup ? 2 : 0,
  });
  bench.add(`${task.case} / ${task.impl}`, task.fn);
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result === undefined || !('latency' in result)) {
    const error = result !== undefined && 'error' in result ? result.error : undefined;
    throw new Error(`benchmark ${task.case} / ${task.impl} did not complete`, { cause: error });
  }
  return result.latency.p50;
}

/**
 * Runs `tasks` with tinybench and returns one row per task with ratios against the `ours`
 * task of the same case.
 *
 * The machine is shared, so a load that comes and goes would otherwise favour whichever row
 * it missed. Every case therefore runs in `rounds` interleaved rounds — its tasks back to
 * back, in alternating order — and each ratio is the median over rounds of ours ÷ peer from
 * the same round. A row's rate is the median of its rounds' medians.
 */
export async function measure(
  tasks: BenchTask[],
  options: { timeMs?: number; iterationsMin?: number; rounds?: number } = {},
): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 5;
  const timeMs = (options.timeMs ?? 400) / rounds;
  const iterationsMin = options.iterationsMin ?? 3;
  const cases = [...new Set(tasks.map((t) => t.case))];
  const msPerCall = new Map<BenchTask, number[]>(tasks.map((t) => [t, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of cases) {
      const group = tasks.filter((t) => t.case === name);
      if (round % 2 === 1) group.reverse();
      for (const task of group) {
        (msPerCall.get(task) as number[]).push(await timeOnce(task, timeMs, iterationsMin, round === 0));
      }
    }
  }
  const rows: BenchRow[] = [];
  for (const task of tasks) {
    const samples = msPerCall.get(task) as number[];
    const ms = median(samples);
    const row: BenchRow = {
      case: task.case,
      impl: task.impl,
      itemsPerSec: (task.items * 1000) / ms,
      unit: task.unit,
      msPerCall: ms,
    };
    if (task.note !== undefined) row.note = task.note;
    const ours = tasks.find((t) => t.case === task.case && t.ours === true);
    if (ours !== undefined && ours !== task) {
      const oursSamples = msPerCall.get(ours) as number[];
      // Same-round ratio of items per second: (ours.items / ours.ms) ÷ (task.items / task.ms).
      row.oursOverThis = median(
        samples.map((taskMs, r) => ours.items / (oursSamples[r] as number) / (task.items / taskMs)),
      );
    }
    rows.push(row);
    process.stderr.write(
      `  ${row.case.padEnd(36)} ${row.impl.padEnd(34)} ${formatRate(row.itemsPerSec)} ${row.unit}/s\n`,
    );
  }
  return rows;
}

export function formatRate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(1);
}

/** Machine facts written next to every result (the machine is shared; quote ratios). */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

export function toMarkdown(table: BenchTable): string {
  const lines = [
    `### ${table.name}`,
    '',
    '| case | implementation | rate | ours ÷ this | note |',
    '|---|---|---:|---:|---|',
  ];
  for (const row of table.rows) {
    const ratio = row.oursOverThis === undefined ? '—' : `${row.oursOverThis.toFixed(2)}×`;
    lines.push(
      `| ${row.case} | ${row.impl} | ${formatRate(row.itemsPerSec)} ${row.unit}/s | ${ratio} | ${row.note ?? ''} |`,
    );
  }
  for (const note of table.notes ?? []) lines.push('', note);
  return `${lines.join('\n')}\n`;
}

/** Prints the table and writes `bench/results/<name>.json` and `.md`. */
export function report(table: BenchTable): void {
  console.log(`\n== ${table.name} ==`);
  console.table(
    table.rows.map((r) => ({
      case: r.case,
      impl: r.impl,
      rate: `${formatRate(r.itemsPerSec)} ${r.unit}/s`,
      'ms/call': r.msPerCall.toFixed(4),
      'ours ÷ this': r.oursOverThis === undefined ? '' : `${r.oursOverThis.toFixed(2)}×`,
    })),
  );
  for (const note of table.notes ?? []) console.log(note);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${table.name}.json`, dir), `${JSON.stringify({ machine: machine(), ...table }, null, 2)}\n`);
  writeFileSync(new URL(`${table.name}.md`, dir), toMarkdown(table));
}

/** Headline rounds: at least this many… */
const defaultRoundsMin = 20;
/** …and more, up to this many, until this many quiet rounds are in (the machine is shared). */
const defaultRoundsMax = 60;
const defaultQuietRoundsWanted = 15;

/** Round counts for {@link alternate}: at least `min`, at most `max`, stopping once `quietWanted` quiet rounds are in. */
export interface AlternateRounds {
  readonly min?: number;
  readonly max?: number;
  readonly quietWanted?: number;
}

/** One implementation timed by {@link alternate}: one call does the case's whole work. */
export interface Contender {
  impl: string;
  fn: () => unknown;
}

export { cpuTicks } from '../src/measure.js';

import { cpuTicks } from '../src/measure.js';

const ticksPerSecond = 100;

/** A round is "quiet" when other processes used less than this many cores on average. */
const quietCoresMax = 0.15;

/**
 * Runs `work` and says how many cores other processes kept busy meanwhile, on average (from
 * /proc/stat minus this process's own CPU time; undefined off Linux): the note a suite adds so
 * that a peer slowed by load cannot flatter a ratio unseen.
 */
export async function othersCoresDuring<T>(work: () => Promise<T>): Promise<{ result: T; note: string }> {
  const started = performance.now();
  const before = cpuTicks();
  const result = await work();
  const cores = othersCores(before, cpuTicks(), performance.now() - started);
  if (cores === undefined) return { result, note: 'No load figures (not Linux).' };
  return { result, note: `Other processes kept ${cores.toFixed(2)} cores busy on average during the run.` };
}

/** Cores other processes kept busy between two `cpuTicks()` readings `ms` apart (undefined off Linux). */
function othersCores(
  before: ReturnType<typeof cpuTicks>,
  after: ReturnType<typeof cpuTicks>,
  ms: number,
): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  return (after.machine - before.machine - (after.self - before.self)) / ticksPerSecond / (ms / 1000);
}

/** What {@link alternate} measured: one row per contender and a note with the ratios and the load. */
export interface Alternated {
  rows: BenchRow[];
  note: string;
}

/**
 * Times each contender once per round, rotating the order, after one warm-up round. The first
 * contender is ours; every other row's ratio is the median over rounds of its time ÷ ours.
 * The machine is shared, so each round also records how many cores other processes kept
 * busy (from /proc/stat minus this process's own CPU time); rounds continue past the minimum
 * until enough were quiet (or the maximum is reached), and the note gives the ratio over the
 * quiet rounds as well as over all of them.
 */
export async function alternate(
  caseName: string,
  items: number,
  unit: string,
  contenders: Contender[],
  roundCounts: AlternateRounds = {},
): Promise<Alternated> {
  const headlineRoundsMin = roundCounts.min ?? defaultRoundsMin;
  const headlineRoundsMax = roundCounts.max ?? defaultRoundsMax;
  const headlineQuietRoundsWanted = roundCounts.quietWanted ?? defaultQuietRoundsWanted;
  const times = contenders.map(() => [] as number[]);
  const roundOthersCores: number[] = [];
  let quietRounds = 0;
  for (let round = -1; round < headlineRoundsMax; round++) {
    if (round >= headlineRoundsMin && quietRounds >= headlineQuietRoundsWanted) break;
    const roundStarted = performance.now();
    const before = cpuTicks();
    for (let k = 0; k < contenders.length; k++) {
      const index = (k + Math.max(0, round)) % contenders.length;
      const started = performance.now();
      await (contenders[index] as Contender).fn();
      if (round >= 0) (times[index] as number[]).push(performance.now() - started);
    }
    const cores = othersCores(before, cpuTicks(), performance.now() - roundStarted);
    if (round >= 0 && cores !== undefined) {
      roundOthersCores.push(cores);
      if (cores < quietCoresMax) quietRounds++;
    }
    if (round >= 0) {
      const line = times.map(
        (t, index) =>
          `${(contenders[index] as Contender).impl.replace(oursName, '').trim()} ${(t[round] as number).toFixed(0)} ms`,
      );
      process.stderr.write(
        `    round ${round + 1}: ${line.join(', ')}; others ${(roundOthersCores[round] ?? Number.NaN).toFixed(2)} cores\n`,
      );
    }
  }
  const ours = times[0] as number[];
  const rounds = ours.length;
  const quiet = roundOthersCores.flatMap((cores, round) => (cores < quietCoresMax ? [round] : []));
  const notes: string[] = [];
  const rows = contenders.map((contender, index) => {
    const own = times[index] as number[];
    const msPerCall = median(own);
    const result: BenchRow = {
      case: caseName,
      impl: contender.impl,
      itemsPerSec: (items * 1000) / msPerCall,
      unit,
      msPerCall,
    };
    if (index > 0) {
      const ratios = own.map((ms, round) => ms / (ours[round] as number));
      result.oursOverThis = median(ratios);
      const quietRatios = quiet.map((round) => ratios[round] as number);
      notes.push(
        `${contender.impl}: ${result.oursOverThis.toFixed(2)}× over all ${rounds} rounds, ` +
          (quietRatios.length > 0
            ? `${median(quietRatios).toFixed(2)}× over the ${quietRatios.length} quiet rounds`
            : 'no quiet round'),
      );
    }
    process.stderr.write(
      `  ${caseName.padEnd(36)} ${contender.impl.padEnd(34)} ${msPerCall.toFixed(1)} ms (median of ${rounds})\n`,
    );
    return result;
  });
  const load =
    roundOthersCores.length > 0
      ? `other processes kept ${median(roundOthersCores).toFixed(2)} cores busy (median per round); quiet = under ${quietCoresMax}`
      : 'no load data';
  return {
    rows,
    note: `${caseName} — ours (${(contenders[0] as Contender).impl}) ÷ each: ${notes.join('; ')}. ${load}.`,
  };
}
