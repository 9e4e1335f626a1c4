import { spawnSync } from 'node:child_process';

/**
 * The MongoDB-compatible server's CPU priority around a measurement window. During the window it runs
 * under SCHED_IDLE (only when nothing else wants CPU 0: the archive is background work, and in
 * production MongoDB has machines of its own), since at nice 19 each of its JVM threads still takes
 * a share. Outside the window it gets its normal share back, so the backlog drains and the next
 * scenario's set-up (registrations write to MongoDB) is not starved. Best effort: without `chrt`
 * the priority just stays as it is.
 */
export function setArchivePriority(pid: number | undefined, priority: 'background' | 'normal'): void {
  if (pid === undefined || process.env.BENCH_MONGO_IDLE === '0') return;
  spawnSync('chrt', [priority === 'background' ? '--idle' : '--other', '-a', '-p', '0', String(pid)], { stdio: 'ignore' });
}
