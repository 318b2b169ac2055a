/**
 * The service as a real process for hostile requests: its pino output is captured (what reaches
 * the log is part of what is tested), its SQLite file is opened beside it to check what was
 * stored, and requests go over raw sockets when fetch would refuse to send them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../src/config';
import { openStore } from '../../../src/storage/open';
import type { Store } from '../../../src/storage/store';
import { until } from '../../support/polling';
import { freePort, removeDir, tempDir, TEST_TOKEN } from '../../support/service';

const ROOT = resolve(__dirname, '../../..');

/** Personal data the hostile payloads carry: none of it may reach the log. */
export const PERSONAL = {
  name: 'Zebulon Quuxworth',
  email: 'zebulon.quuxworth@example.org',
  phone: '+44 20 7946 0999',
  body: 'my card is 4000 0000 0000 0002',
} as const;

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface HostileService {
  readonly url: string;
  readonly webhook: string;
  readonly port: number;
  /** What the process logged (pino's JSON lines; the start-up banner is not the log) since `from`. */
  log(from?: number): string;
  /** A mark for `log(from)`: the length of the log so far. */
  logMark(): number;
  store: Store;
  stop(): Promise<void>;
}

export const startHostileService = async (env: Record<string, string> = {}): Promise<HostileService> => {
  const dir = tempDir('chat2crm-hostile-');
  const port = await freePort();
  const full = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'debug',
    DATABASE_URL: `sqlite:${join(dir, 'test.db')}`,
    OLARK_WEBHOOK_TOKEN: TEST_TOKEN,
    WORKER_POLL_MS: '50',
    ...env,
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...full },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let pending = '';
  // stdout: pino's JSON lines (the start-up banner, which shows the URL with its token on the
  // operator's console, is not the log); stderr: everything (start-up failures, crashes).
  const take = (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) output += `${line}\n`;
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  await until(
    'the service to listen',
    async () => {
      if (child.exitCode !== null) assert.fail(`the service exited with ${child.exitCode}: ${output}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
    },
    20_000,
  );
  const loaded = loadConfig(full);
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const store = await openStore(loaded.config.database);
  return {
    url,
    port,
    webhook: `${url}/webhooks/olark/${TEST_TOKEN}`,
    log: (from = 0) => output.slice(from),
    logMark: () => output.length,
    store,
    stop: async () => {
      await store.close();
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      removeDir(dir);
    },
  };
};

/** Any method, any headers, over node:http (fetch refuses TRACE, CONNECT and framing of our choosing). */
export const send = (
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> =>
  new Promise((done, fail) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(init.body);
  });

/**
 * Bytes written as they are to a fresh connection (then our side closed, with `halfClose`); what
 * comes back until the server closes or `ms` pass (the raw response text, empty if none).
 */
export const sendRaw = (port: number, bytes: string | Buffer, ms = 3000, options: { halfClose?: boolean } = {}): Promise<string> =>
  new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      done(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(bytes);
    if (options.halfClose === true) socket.end();
  });

/** The status code of the first response in raw HTTP text. */
export const rawStatus = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

/** `{"error": {"code", "message"}}` with a 4xx status, and the code. */
export const errorCodeOf = (answer: Answer): string => {
  assert.ok(answer.status >= 400 && answer.status < 500, `expected a 4xx, got ${answer.status}: ${answer.body}`);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  const body: unknown = JSON.parse(answer.body);
  assert.ok(typeof body === 'object' && body !== null && 'error' in body, answer.body);
  const error = body.error;
  assert.ok(typeof error === 'object' && error !== null && 'code' in error && 'message' in error, answer.body);
  assert.ok(typeof error.code === 'string' && typeof error.message === 'string', answer.body);
  return error.code;
};

/** The service still answers a good request. */
export const assertAlive = async (service: HostileService): Promise<void> => {
  const health = await fetch(`${service.url}/healthz`);
  assert.equal(health.status, 200, await health.text());
};

/** None of the payloads' personal data, nor the webhook token, nor a stack trace at error level in the log. */
export const assertCleanLog = (service: HostileService, from = 0): void => {
  const log = service.log(from);
  for (const value of [...Object.values(PERSONAL), TEST_TOKEN]) assert.ok(!log.includes(value), `the log holds ${value}:\n${log}`);
  const errors = log.split('\n').filter((line) => /"level":(50|60)/.test(line));
  assert.deepEqual(errors, [], 'error lines in the log');
};

/** Nothing of this conversation stored, and no job queued since `before`. */
export const assertNothingStored = async (
  service: HostileService,
  conversationId: string,
  before: Awaited<ReturnType<Store['queueStats']>>,
): Promise<void> => {
  assert.equal(await service.store.getConversation(`olark:${conversationId}`), undefined, `conversation ${conversationId} was stored`);
  const after = await service.store.queueStats();
  assert.deepEqual([after.pending, after.running, after.done, after.dead], [before.pending, before.running, before.done, before.dead]);
};
