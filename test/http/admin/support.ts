/** The real service with the scripted CRM, for the console's tests; and a client that signs in. */
import { loadConfig } from '../../../src/config';
import type { Env } from '../../../src/domain/connector';
import { start } from '../../../src/main';
import { scriptedCrm, type ScriptedCrm } from '../../support/scripted-crm';
import { removeDir, serviceEnv, tempDir, TEST_TOKEN } from '../../support/service';

export const PASSWORD = 'console-test-password-1';

export interface ConsoleService {
  readonly url: string;
  readonly webhook: string;
  readonly crm: ScriptedCrm;
  readonly banner: string;
  readonly running: Awaited<ReturnType<typeof start>>;
  stop(): Promise<void>;
}

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const ADMIN = basic('admin', PASSWORD);

/** `env` over the test defaults (ADMIN_PASSWORD set unless `env` sets it to undefined); `dir` keeps the database across restarts. */
export const startConsole = async (
  env: Env = {},
  dir = tempDir('chat2crm-admin-'),
  crm = scriptedCrm(),
): Promise<ConsoleService & { dir: string }> => {
  const full = await serviceEnv({ ADMIN_PASSWORD: PASSWORD, RETRY_SCHEDULE: '20ms,20ms', SYNC_DEADLINE_MS: '200', ...env }, dir);
  const loaded = loadConfig(Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined)));
  if (!loaded.ok) throw new Error(`bad test configuration: ${loaded.errors.join('; ')}`);
  let banner = '';
  const running = await start(loaded.config, { announce: (text) => (banner += text), createConnector: async () => crm.connector });
  const url = `http://127.0.0.1:${running.port}`;
  return { url, webhook: `${url}/webhooks/olark/${TEST_TOKEN}`, crm, banner, running, dir, stop: () => running.shutdown() };
};

export const cleanUp = async (service: { stop(): Promise<void>; dir: string } | undefined): Promise<void> => {
  await service?.stop();
  if (service !== undefined) removeDir(service.dir);
};

/** `null`: no Authorization header at all. */
export const getAdmin = (url: string, authorization: string | null = ADMIN): Promise<Response> =>
  fetch(url, { headers: authorization === null ? {} : { authorization }, redirect: 'manual' });

export const postForm = (url: string, form: Record<string, string>, authorization: string = ADMIN): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });

/** Waits until `check` holds (the worker runs steps in the background). */
export const eventually = async (check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** The value of the first hidden `csrf` field of a page. */
export const csrfOf = (page: string): string => {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (match?.[1] === undefined) throw new Error('no csrf field on the page');
  return match[1];
};
