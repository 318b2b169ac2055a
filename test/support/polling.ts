/**
 * Waiting in tests: the one way to poll for something that happens in the background (a worker's
 * step, a checkpoint, a child process coming up), failing the test with what it waited for.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it holds, failing the test after `ms`. */
export const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 5000, intervalMs = 20): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
};

/**
 * Until `url/healthz` answers 200 from a service in a child process; fails at once, with what it
 * wrote to stderr, when the process exits first.
 */
export const untilHealthy = async (url: string, child: ChildProcess, stderr: () => string, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${stderr()}`);
    const status = await fetch(`${url}/healthz`).then(
      (r) => r.status,
      () => 0, // not listening yet
    );
    if (status === 200) return;
    await sleep(100);
  }
  throw new Error(`the service did not answer /healthz: ${stderr()}`);
};
