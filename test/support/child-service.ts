/**
 * The service as a separate process (`node --import tsx src/main.ts`), for what only a real
 * process shows: kill -9 mid-delivery, and several instances on one database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Env } from '../../src/domain/connector';
import { untilHealthy } from './polling';
import { TEST_TOKEN, freePort } from './service';

export interface ChildService {
  readonly url: string;
  readonly webhook: string;
  readonly process: ChildProcess;
  /** What the process wrote to stderr (start-up failures). */
  readonly stderr: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = resolve(__dirname, '../..');

export const spawnService = async (env: Env): Promise<ChildService> => {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: port,
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      OLARK_WEBHOOK_TOKEN: TEST_TOKEN,
      WORKER_POLL_MS: '50',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  await untilHealthy(url, child, () => err);
  return {
    url,
    webhook: `${url}/webhooks/olark/${env.OLARK_WEBHOOK_TOKEN ?? TEST_TOKEN}`,
    process: child,
    stderr: () => err,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
};
