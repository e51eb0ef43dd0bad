/**
 * Measurement helpers shared by the command-line jobs, the simulator and the benchmarks: how
 * busy the machine is (CPU ticks from /proc on Linux, undefined elsewhere), since the machine
 * may be shared and a figure means little without it; and percentiles of latencies.
 */
import { readFileSync } from 'node:fs';

/** CPU ticks (USER_HZ) busy on the whole machine, and used by this process (all its threads). */
export function cpuTicks(): { machine: number; self: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string)
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice: busy = all but idle and
    // iowait; guest time is already counted in user and nice.
    const machine = fields.reduce((sum, value, i) => (i === 3 || i === 4 || i >= 8 ? sum : sum + value), 0);
    const own = (readFileSync('/proc/self/stat', 'utf8').split(') ')[1] as string).split(' ');
    return { machine, self: Number(own[11]) + Number(own[12]) };
  } catch {
    return undefined; // not Linux: no load figures
  }
}

/** The `q` quantile (0..1) of `values`, rounded to an integer (0 for none): nearest rank, no interpolation. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}
