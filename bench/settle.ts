/**
 * Waits for a freshly started child to go quiet before it is timed: a service opening a big
 * database keeps a core busy for a while after /healthz first answers (its page cache, its first
 * worker ticks), and that work, not the request, is what a timed call would then show.
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux.

/** User + system CPU of a process (`/proc/<pid>`) or one of its threads (`/proc/<pid>/task/<tid>`), in ms. */
export const cpuMs = (procPath: string): number | undefined => {
  try {
    const stat = readFileSync(`${procPath}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined; // not Linux, or the process or thread is gone
  }
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the process used under `busyShare` of a core over a `windowMs` window, or after `maxMs`. */
export const settled = async (pid: number, { windowMs = 500, busyShare = 0.05, maxMs = 30_000 } = {}): Promise<void> => {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = cpuMs(`/proc/${pid}`);
    await sleep(windowMs);
    const after = cpuMs(`/proc/${pid}`);
    if (before === undefined || after === undefined || after - before <= windowMs * busyShare) return;
  }
};
