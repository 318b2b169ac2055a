/**
 * Starts the real service (configuration, storage, pipeline, Koa) in this process on a free
 * port, with a temporary SQLite file unless DATABASE_URL says otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import type { SourceDefinition } from '../../src/domain/source';
import { sourceDefinitions } from '../../src/sources';
import type { Env } from '../../src/domain/connector';
import { start, type StartOptions } from '../../src/main';
import { freePort } from './net';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestService {
  readonly url: string;
  readonly webhook: string;
  readonly dir: string;
  readonly running: Awaited<ReturnType<typeof start>>;
  stop(): Promise<void>;
}

export const tempDir = (prefix = 'chat2crm-test-'): string => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

export { freePort } from './net';

export const serviceEnv = async (env: Env, dir: string): Promise<Env> => {
  const port = env.PORT ?? String(await freePort());
  return {
    PORT: port,
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    DATABASE_URL: `sqlite:${join(dir, 'test.db')}`,
    OLARK_WEBHOOK_TOKEN: TEST_TOKEN,
    WORKER_POLL_MS: '50',
    ...env,
  };
};

/** `definitions`: the source registry to run with (tests add a platform of their own). */
export const startService = async (
  env: Env = {},
  dir: string = tempDir(),
  definitions: readonly SourceDefinition[] = sourceDefinitions,
  options: Omit<StartOptions, 'announce'> = {},
): Promise<TestService & { readonly banner: string }> => {
  const full = await serviceEnv(env, dir);
  // A key set to undefined is a key not set (a test unsets a default that way).
  const loaded = loadConfig(Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined)), definitions);
  if (!loaded.ok) throw new Error(`bad test configuration: ${loaded.errors.join('; ')}`);
  // What the service printed at start-up (its URLs, the console's password hint…).
  let banner = '';
  const running = await start(loaded.config, { ...options, announce: (text) => (banner += text) });
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    webhook: `${url}/webhooks/olark/${full.OLARK_WEBHOOK_TOKEN ?? TEST_TOKEN}`,
    dir,
    banner,
    running,
    stop: () => running.shutdown(),
  };
};
