/**
 * Resident memory of a child process, sampled from /proc (Linux). VmRSS is sampled every
 * 100 ms so each section gets its own peak; VmHWM (the kernel's own high-water mark) catches a
 * spike between two samples.
 */
import { readFileSync } from 'node:fs';

const kbField = (status: string, field: string): number | undefined => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

const readStatus = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // not Linux, or the process is gone
  }
};

export interface RssSampler {
  /** Peak in MB (10^6 bytes, as the goal is stated) since start or the last reset; undefined without /proc. */
  peakMB(): number | undefined;
  /** Starts a new section: the peak from now on. */
  reset(): void;
  stop(): void;
}

export const sampleRss = (pid: number, intervalMs = 100): RssSampler => {
  let peakKb: number | undefined;
  let hwmAtReset = 0;
  const sample = () => {
    const status = readStatus(pid);
    if (status === undefined) return;
    const rss = kbField(status, 'VmRSS');
    const hwm = kbField(status, 'VmHWM');
    // VmHWM only counts when it grew since the section began: before that it belongs to an earlier section.
    const candidates = [rss, hwm !== undefined && hwm > hwmAtReset ? hwm : undefined].filter((v): v is number => v !== undefined);
    for (const v of candidates) peakKb = Math.max(peakKb ?? 0, v);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakMB: () => {
      sample();
      return peakKb === undefined ? undefined : Math.round((peakKb * 1024) / 1e5) / 10;
    },
    reset: () => {
      hwmAtReset = kbField(readStatus(pid) ?? '', 'VmHWM') ?? 0;
      peakKb = undefined;
      sample();
    },
    stop: () => clearInterval(timer),
  };
};
