/**
 * Child processes of the bench (the service under test and the bare Koa baseline): started with a
 * clean environment, waited for over HTTP, and always stopped — on success, on error and on Ctrl-C —
 * so a bench run never leaves an orphan listening on a port.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly baseUrl: string;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** True once the process has exited. */
  exited(): boolean;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills whatever is still running; safe to call more than once. */
export const killAll = (): void => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
};

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });

export { freePort } from '../test/support/net';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Only what a process needs to run: the caller's own settings (a `.env`, CRM=…) must not leak in. */
export const baseEnv = (): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
};

export interface StartOptions {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly port: number;
  /** Answers 2xx once the child is ready. */
  readonly readyPath: string;
  readonly readyTimeoutMs?: number;
}

/**
 * A command-line child (a script that runs to its end, such as `npm run backfill`): its output
 * kept whole, killed with the others on exit or Ctrl-C.
 */
export interface ScriptRun {
  readonly pid: number;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Its exit code (null when killed by a signal) once it has ended. */
  readonly ended: Promise<number | null>;
  exitCode(): number | null | undefined;
  signal(name: NodeJS.Signals): void;
}

export const runChildScript = (args: readonly string[], env: Readonly<Record<string, string>>, cwd: string): ScriptRun => {
  const child = spawn(process.execPath, [...args], { cwd, env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  let code: number | null | undefined;
  const ended = new Promise<number | null>((resolve) =>
    child.once('close', (c) => {
      code = c;
      running.delete(child);
      resolve(c);
    }),
  );
  return {
    pid: child.pid ?? 0,
    stdout: () => out,
    stderr: () => err,
    ended,
    exitCode: () => code,
    signal: (name) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
};

export const startChild = async (options: StartOptions): Promise<Child> => {
  const child = spawn(process.execPath, [...options.args], {
    cwd: options.cwd,
    env: { ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  // The pipes must be drained or a chatty child blocks on write; we keep the tail for errors.
  const keep = (chunk: Buffer) => {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const handle: Child = {
    name: options.name,
    pid: child.pid ?? 0,
    baseUrl,
    tail: () => lines.join('\n'),
    exited,
    stop: async () => {
      if (!exited()) {
        child.kill('SIGTERM');
        // The service drains deliveries for up to 10 s on SIGTERM; the bench does not need that.
        await Promise.race([exit, sleep(3000)]);
        if (!exited()) child.kill('SIGKILL');
        await exit;
      }
      running.delete(child);
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (exited()) break;
    const ok = await fetch(baseUrl + options.readyPath)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return handle;
    await sleep(100);
  }
  await handle.stop();
  throw new Error(`${options.name} did not become ready on ${baseUrl}${options.readyPath}:\n${handle.tail()}`);
};
