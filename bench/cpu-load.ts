/**
 * How busy each CPU, and each process the bench started, was over the load window, from /proc: it
 * shows whether the generator core (or the server core) was the limit, and whether something else
 * on the machine took a share. Linux only; elsewhere it reports nothing.
 */
import { readFileSync } from 'node:fs';

/** Jiffies (USER_HZ ticks, the unit of /proc/stat and /proc/<pid>/stat alike) at one moment. */
interface Snapshot {
  /** Per CPU (cpu0, cpu1, …): [busy, total]. */
  cpus: Map<string, [number, number]>;
  /** Per named process: utime + stime. */
  processes: Map<string, number>;
}

export interface CpuUsage {
  /** Percent busy per CPU, e.g. { cpu0: 99.5, cpu1: 71.2 }. */
  cpus: Record<string, number>;
  /** Percent of one core used by each process, e.g. { 'same-node-1': 93.1, 'generator-1': 40.2 }. */
  processes: Record<string, number>;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function processTicks(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th
  // field of the line, stime the 15th, i.e. the 12th and 13th after the name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function snapshot(pids: ReadonlyMap<string, number>): Snapshot {
  const cpus = new Map<string, [number, number]>();
  for (const line of (read('/proc/stat') ?? '').split('\n')) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const f = m[2]!.trim().split(/\s+/).slice(0, 8).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    cpus.set(m[1]!, [total - (f[3] ?? 0) - (f[4] ?? 0), total]);
  }
  const processes = new Map<string, number>();
  for (const [name, pid] of pids) {
    const ticks = processTicks(pid);
    if (ticks !== null) processes.set(name, ticks);
  }
  return { cpus, processes };
}

const pct = (part: number, whole: number) => Math.round((1000 * part) / whole) / 10;

/** Call start() when the window opens and stop() when it closes. */
export class CpuMeter {
  #before: Snapshot | null = null;

  /** `pids`: the processes to account for, by name. */
  constructor(private readonly pids: ReadonlyMap<string, number>) {}

  start(): void {
    this.#before = snapshot(this.pids);
  }

  stop(): CpuUsage {
    const usage: CpuUsage = { cpus: {}, processes: {} };
    const before = this.#before;
    if (!before) return usage;
    const after = snapshot(this.pids);
    let totalDelta = 0;
    for (const [cpu, [busy, total]] of after.cpus) {
      const prev = before.cpus.get(cpu);
      if (!prev || total === prev[1]) continue;
      usage.cpus[cpu] = pct(busy - prev[0], total - prev[1]);
      totalDelta += total - prev[1];
    }
    // One core's worth of ticks over the window: the average total of one CPU.
    const coreTicks = totalDelta / Math.max(1, Object.keys(usage.cpus).length);
    for (const [name, ticks] of after.processes) {
      const prev = before.processes.get(name);
      if (prev !== undefined && coreTicks > 0) usage.processes[name] = pct(ticks - prev, coreTicks);
    }
    return usage;
  }
}
