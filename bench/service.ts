/**
 * Starts chat2crm as users run it (`node dist/src/main.js`, built by `npm run build`) in a child
 * process, with its own SQLite file in a temp folder (or BENCH_DATABASE_URL), and reads /healthz.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { baseEnv, freePort, killAll, startChild, type Child } from './children';
import { sampleRss, type RssSampler } from './rss';

export const ROOT = resolve(__dirname, '..');
export const MAIN_JS = join(ROOT, 'dist/src/main.js');
/** Fixed so the bench can build the webhook URL; 16–128 of A-Z a-z 0-9 _ -. */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

export interface Service extends Child {
  readonly webhookUrl: string;
  readonly rss: RssSampler;
  health(): Promise<Health>;
}

const Health = t.type({
  status: t.string,
  queue: t.union([t.null, t.type({ pending: t.number, running: t.number, dead: t.number, done: t.number })]),
});
export type Health = t.TypeOf<typeof Health>;

export const readHealth = async (baseUrl: string): Promise<Health> => {
  const response = await fetch(`${baseUrl}/healthz`);
  const decoded = Health.decode(await response.json());
  if (isLeft(decoded)) throw new Error(`/healthz answered something unexpected (HTTP ${response.status})`);
  return decoded.right;
};

/** Where the runs' data goes; removed at the end. */
const tempRoot = mkdtempSync(join(tmpdir(), 'chat2crm-bench-'));
/** The bench's temp folder: children run there, so a developer's `.env` in the repo changes nothing. */
export const TEMP_ROOT = tempRoot;
export const removeTemp = () => rmSync(tempRoot, { recursive: true, force: true });

/**
 * Runs a bench entry point: a failure goes to stderr (with its stack when `stack`) and exit code 1;
 * the children it started and the temp folder go either way.
 */
export const runScript = (what: string, main: () => Promise<void>, { stack = false } = {}): void => {
  main()
    .catch((e: unknown) => {
      process.stderr.write(`${what} failed: ${e instanceof Error ? (stack ? (e.stack ?? e.message) : e.message) : String(e)}
`);
      process.exitCode = 1;
    })
    .finally(() => {
      killAll();
      removeTemp();
    });
};
let databases = 0;

export const databaseUrl = (): string => {
  const external = process.env['BENCH_DATABASE_URL'];
  if (external !== undefined && external !== '') return external;
  databases++;
  return `sqlite:${join(tempRoot, `bench-${databases}.db`)}`;
};

export const storageLabel = (): string => (process.env['BENCH_DATABASE_URL'] ? 'PostgreSQL (BENCH_DATABASE_URL)' : 'SQLite (temp file)');

/** The launcher every start goes through (`npm start`, the image, the systemd unit): bin/chat2crm. */
export const LAUNCHER = join(ROOT, 'bin/chat2crm');

/**
 * The Node flags and the environment the launcher sets (its heap limits, `--expose-gc` and
 * malloc's settings; the README's Memory notes), read from its `NODE_FLAGS='…'` and `export K=V`
 * lines, so the bench runs the service as users do with the settings written in one place.
 */
export const launcherSettings = (script: string): { flags: readonly string[]; env: Readonly<Record<string, string>> } => {
  const flags = /^NODE_FLAGS='([^']*)'$/m.exec(script)?.[1];
  const env = Object.fromEntries([...script.matchAll(/^export ([A-Z_][A-Z0-9_]*)=(\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  if (flags === undefined || Object.keys(env).length === 0)
    throw new Error(`${LAUNCHER} has no NODE_FLAGS='…' line or no export line: the bench cannot start the service as users do`);
  return { flags: flags.split(/\s+/).filter((word) => word !== ''), env };
};
const { flags: START_FLAGS, env: START_ENV } = launcherSettings(readFileSync(LAUNCHER, 'utf8'));

export const startService = async (name: string, env: Readonly<Record<string, string>>): Promise<Service> => {
  const port = await freePort();
  const child = await startChild({
    name,
    args: [...START_FLAGS, MAIN_JS],
    // A temp cwd: a developer's `.env` in the repo must not change what is measured.
    cwd: tempRoot,
    port,
    readyPath: '/healthz',
    env: {
      ...baseEnv(),
      ...START_ENV,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl(),
      OLARK_WEBHOOK_TOKEN: BENCH_TOKEN,
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  const rss = sampleRss(child.pid);
  return {
    ...child,
    webhookUrl: `${child.baseUrl}/webhooks/olark/${BENCH_TOKEN}`,
    rss,
    health: () => readHealth(child.baseUrl),
    stop: async () => {
      rss.stop();
      await child.stop();
    },
  };
};

/** The webhook URL of another platform than Olark (its `<NAME>_WEBHOOK_TOKEN` set to `token`). */
export const sourceUrl = (service: Child, source: string, token: string): string => `${service.baseUrl}/webhooks/${source}/${token}`;

const startBare = async (name: string, file: string, env: Readonly<Record<string, string>> = {}): Promise<Child> => {
  const port = await freePort();
  return startChild({
    name,
    args: ['--import', 'tsx', join(ROOT, file)],
    cwd: ROOT,
    port,
    readyPath: '/healthz',
    env: { ...baseEnv(), NODE_ENV: 'production', PORT: String(port), ...env },
  });
};

export const startBareKoa = (): Promise<Child> => startBare('bare Koa', 'bench/bare-koa.ts');

/** The agent-latency baseline (bench/bare-relay.ts), relaying to the CRM emulator at `relayUrl`. */
export const startBareRelay = (relayUrl: string): Promise<Child> => startBare('bare relay', 'bench/bare-relay.ts', { RELAY_URL: relayUrl });
