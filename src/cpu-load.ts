/**
 * How busy the machine is, for benchmarks that must say whether other processes were running
 * (this machine is shared): CPU ticks from /proc on Linux, undefined elsewhere.
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
