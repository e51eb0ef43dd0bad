/**
 * A simulation campaign: a large range of seeds spread over many configurations, run in
 * worker processes, summarised per configuration.
 *
 *   npm run sim:campaign -- --seeds 1..10000 [--shard i/n] [--configs all|max|honest|SPEC,…]
 *     [--jobs N] [--blocks B] [--tx-rate R] [--json FILE]
 *
 * `--configs` and which seed runs which configuration (seed s runs configuration s mod C): see
 * campaign-configs.ts. `--shard i/n` keeps the seeds s with (s − A) mod n = i − 1, as
 * `sim --seeds` does.
 *
 * Workers: `--jobs` processes (default: one per core), each forked from this file, each calling
 * `simulate` one seed at a time; the parent hands the next seed to whichever worker is free.
 * Progress goes to stderr; stdout gets the table (configuration, seeds, safety failures,
 * liveness failures, run errors, the runs' wall time), then every failing run's replay command.
 * Exit 1 when any run broke safety or threw; liveness failures are listed but do not change
 * the exit code.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { Command, CommanderError } from 'commander';
import { parseCount } from '../src/cli/args.js';
import { type CampaignConfig, configForSeed, configLabel, parseConfigs } from './campaign-configs.js';
import { parseRange, parseShard, passed, replayCommand } from './cli.js';
import { simulate } from './simulation.js';

/** One run as a worker hands it back. */
export interface CampaignRun {
  readonly seed: number;
  readonly config: CampaignConfig;
  readonly safetyViolations: string[];
  readonly liveness: string;
  /** Whether every checker passed (sim/cli.ts `passed`). */
  readonly passed: boolean;
  /** A `simulate` that threw (a harness or replica bug, not a checker's finding). */
  readonly error?: string;
  readonly wallMs: number;
  readonly replay: string;
}

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  readonly seeds: readonly [number, number];
  readonly shard?: readonly [number, number];
  readonly configs: readonly CampaignConfig[];
  readonly jobs: number;
  readonly blocks: number;
  readonly txRate: number;
  /** Called after each run with the runs done and the total. */
  readonly onRun?: (run: CampaignRun, done: number, total: number) => void;
}

/** One row of the summary. */
export interface CampaignRow {
  readonly config: string;
  readonly seeds: number;
  readonly safetyFailures: number;
  readonly livenessFailures: number;
  readonly errors: number;
  /** The runs' wall time, summed over the workers. */
  readonly wallMs: number;
}

/** What a campaign found. */
export interface CampaignReport {
  readonly seeds: readonly [number, number];
  readonly shard: readonly [number, number];
  readonly configs: number;
  readonly jobs: number;
  readonly blocks: number;
  readonly runs: number;
  readonly elapsedMs: number;
  readonly rows: CampaignRow[];
  /** Every run that did not pass, by seed. */
  readonly failures: CampaignRun[];
}

type Job = { seed: number; config: CampaignConfig; blocks: number; txRate: number };
const workerEnv = 'CONSORTIUM_LEDGER_CAMPAIGN_WORKER';

function simOptions(job: Job) {
  const { config } = job;
  return {
    nodes: config.nodes,
    byzantine: config.byzantine,
    byzantineMode: config.mode,
    faults: config.faults,
    seed: job.seed,
    blocks: job.blocks,
    txRate: job.txRate,
  };
}

/** A worker process: runs each job it is sent and answers with its run. */
function serveJobs(): void {
  process.on('message', (job: Job) => {
    void (async () => {
      const started = performance.now();
      let run: CampaignRun;
      try {
        const result = await simulate(simOptions(job));
        run = {
          seed: job.seed,
          config: job.config,
          safetyViolations: result.safetyViolations.slice(0, 3),
          liveness: result.liveness,
          passed: passed(result),
          wallMs: result.wallMs,
          replay: replayCommand(simOptions(job)),
        };
      } catch (error) {
        run = {
          seed: job.seed,
          config: job.config,
          safetyViolations: [],
          liveness: 'not checked: the run threw',
          passed: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          wallMs: Math.round(performance.now() - started),
          replay: replayCommand(simOptions(job)),
        };
      }
      process.send?.(run);
    })();
  });
}

/** The node arguments a worker needs: TypeScript sources run under tsx's loader. */
function workerExecArgv(file: string): string[] {
  if (!file.endsWith('.ts') || process.execArgv.some((arg) => arg.includes('tsx'))) return process.execArgv;
  return [...process.execArgv, '--import', 'tsx'];
}

/** Runs a campaign in `jobs` worker processes (see the file header). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const [low, high] = options.seeds;
  const [index, count] = options.shard ?? [1, 1];
  const pending: Job[] = [];
  for (let seed = low; seed <= high; seed++) {
    if ((seed - low) % count !== index - 1) continue;
    pending.push({
      seed,
      config: configForSeed(options.configs, seed),
      blocks: options.blocks,
      txRate: options.txRate,
    });
  }
  const total = pending.length;
  const runs: CampaignRun[] = [];
  const file = fileURLToPath(import.meta.url);
  const workers = Math.max(1, Math.min(options.jobs, total));
  await new Promise<void>((resolve) => {
    let live = 0;
    const start = (): void => {
      const child: ChildProcess = fork(file, [], {
        env: { ...process.env, [workerEnv]: '1' },
        execArgv: workerExecArgv(file),
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      live++;
      let current: Job | undefined;
      const next = (): void => {
        current = pending.shift();
        if (current === undefined) child.disconnect();
        else child.send(current);
      };
      child.on('message', (run: CampaignRun) => {
        runs.push(run);
        options.onRun?.(run, runs.length, total);
        next();
      });
      child.on('exit', (code, signal) => {
        live--;
        if (current !== undefined) {
          // The worker died mid-run (out of memory, a crash): record it and start another.
          const job = current;
          current = undefined;
          const run: CampaignRun = {
            seed: job.seed,
            config: job.config,
            safetyViolations: [],
            liveness: 'not checked: the worker died',
            passed: false,
            error: `worker exited with ${signal ?? `code ${code}`}`,
            wallMs: 0,
            replay: replayCommand(simOptions(job)),
          };
          runs.push(run);
          options.onRun?.(run, runs.length, total);
          if (pending.length > 0) start();
        }
        if (live === 0) resolve();
      });
      next();
    };
    if (total === 0) resolve();
    else for (let i = 0; i < workers; i++) start();
  });
  runs.sort((a, b) => a.seed - b.seed);
  const rows = new Map<string, { -readonly [K in keyof CampaignRow]: CampaignRow[K] }>();
  for (const config of options.configs) {
    rows.set(configLabel(config), {
      config: configLabel(config),
      seeds: 0,
      safetyFailures: 0,
      livenessFailures: 0,
      errors: 0,
      wallMs: 0,
    });
  }
  for (const run of runs) {
    const row = rows.get(configLabel(run.config));
    if (row === undefined) throw new Error(`campaign: a run of ${configLabel(run.config)}, which is not in the list`);
    row.seeds++;
    row.wallMs += run.wallMs;
    if (run.error !== undefined) row.errors++;
    else if (run.safetyViolations.length > 0) row.safetyFailures++;
    else if (run.liveness !== 'ok') row.livenessFailures++;
  }
  return {
    seeds: options.seeds,
    shard: [index, count],
    configs: options.configs.length,
    jobs: workers,
    blocks: options.blocks,
    runs: runs.length,
    elapsedMs: Math.round(performance.now() - started),
    rows: [...rows.values()].filter((row) => row.seeds > 0),
    failures: runs.filter((run) => !run.passed),
  };
}

/** The summary table, the totals and every failing run's replay command, as lines. */
export function campaignLines(report: CampaignReport): string[] {
  const header = ['configuration', 'seeds', 'safety failures', 'liveness failures', 'errors', 'wall s'];
  const cells = report.rows.map((row) => [
    row.config,
    String(row.seeds),
    String(row.safetyFailures),
    String(row.livenessFailures),
    String(row.errors),
    (row.wallMs / 1000).toFixed(1),
  ]);
  const sum = (key: 'seeds' | 'safetyFailures' | 'livenessFailures' | 'errors' | 'wallMs') =>
    report.rows.reduce((total, row) => total + row[key], 0);
  cells.push([
    'total',
    String(sum('seeds')),
    String(sum('safetyFailures')),
    String(sum('livenessFailures')),
    String(sum('errors')),
    (sum('wallMs') / 1000).toFixed(1),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  const lines = [line(header), ...cells.map(line)];
  lines.push(
    '',
    `${report.runs} runs of ${report.configs} configurations (seed s runs configuration s mod ${report.configs}), ` +
      `seeds ${report.seeds[0]}..${report.seeds[1]} shard ${report.shard[0]}/${report.shard[1]}, ` +
      `--blocks ${report.blocks}, ${report.jobs} workers, ${(report.elapsedMs / 1000).toFixed(1)} s`,
  );
  if (report.failures.length === 0) lines.push('no failures');
  else {
    lines.push('', `${report.failures.length} failure(s):`);
    for (const run of report.failures) {
      const why = run.error?.split('\n')[0] ?? run.safetyViolations[0] ?? run.liveness;
      const kind = run.error !== undefined ? 'error' : run.safetyViolations.length > 0 ? 'safety' : 'liveness';
      lines.push(`${run.replay}   # ${kind}: ${why}`);
    }
  }
  return lines;
}

interface CampaignCommandOptions {
  seeds: [number, number];
  shard?: [number, number];
  configs: CampaignConfig[];
  jobs: number;
  blocks: number;
  txRate: number;
  json?: string;
}

/** Declares the campaign's options and action on `command`. */
export function defineCampaignCommand(command: Command): Command {
  return command
    .description('run a range of seeds over many configurations in worker processes (sim/campaign.ts)')
    .requiredOption('--seeds <A..B>', 'the seeds; seed s runs configuration s mod C', parseRange)
    .option('--shard <i/n>', 'run only every n-th seed of the range, starting at the i-th', parseShard)
    .option(
      '--configs <list>',
      'a preset (all, max, honest) or N:B:MODE:FAULTS specs',
      parseConfigs,
      parseConfigs('all'),
    )
    .option(
      '--jobs <n>',
      'worker processes (default: the cores)',
      parseCount('--jobs', 1, 1024),
      availableParallelism(),
    )
    .option('--blocks <n>', 'blocks to commit in each safety phase', parseCount('--blocks', 1, 1_000_000), 10)
    .option(
      '--tx-rate <n>',
      'offered load, transactions per simulated second',
      parseCount('--tx-rate', 1, 1_000_000),
      100,
    )
    .option('--json <file>', 'also write the report as JSON')
    .action(async (options: CampaignCommandOptions) => {
      const bar =
        process.stderr.isTTY === true
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format:
                  'campaign [{bar}] {value}/{total} runs | {safety} safety, {liveness} liveness failures | {eta_formatted} left',
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      const failed = { safety: 0, liveness: 0 };
      let lastLineMs = 0;
      const report = await runCampaign({
        seeds: options.seeds,
        ...(options.shard === undefined ? {} : { shard: options.shard }),
        configs: options.configs,
        jobs: options.jobs,
        blocks: options.blocks,
        txRate: options.txRate,
        onRun: (run, done, total) => {
          if (run.error !== undefined || run.safetyViolations.length > 0) failed.safety++;
          else if (run.liveness !== 'ok') failed.liveness++;
          if (bar !== undefined) {
            if (done === 1) bar.start(total, 0, failed);
            bar.update(done, failed);
          } else if (performance.now() - lastLineMs > 10_000 || done === total) {
            // Without a terminal: one line every ten seconds, not one per run.
            lastLineMs = performance.now();
            process.stderr.write(
              `campaign: ${done}/${total} runs, ${failed.safety} safety or error, ${failed.liveness} liveness failures\n`,
            );
          }
        },
      });
      bar?.stop();
      for (const line of campaignLines(report)) console.log(line);
      if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
      if (report.failures.some((run) => run.error !== undefined || run.safetyViolations.length > 0))
        process.exitCode = 1;
    });
}

/** Whether this module is the process's entry point (the script, or a forked worker). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && existsSync(entry) && pathToFileURL(realpathSync(entry)).href === import.meta.url;
}

if (isEntryPoint()) {
  if (process.env[workerEnv] === '1') serveJobs();
  else {
    const program = defineCampaignCommand(new Command('sim:campaign'))
      .exitOverride()
      .configureOutput({ writeErr: (text) => process.stderr.write(text) });
    program.parseAsync(process.argv).catch((error: unknown) => {
      // Commander printed its message (bad usage: exit 2; --help: 0); anything else is a bug.
      if (!(error instanceof CommanderError)) throw error;
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    });
  }
}
