/** The real service with the scripted CRM, for the console's tests; and a client that signs in. */
import type { Env } from '../../../src/domain/connector';
import type { start } from '../../../src/main';
import { sourceDefinitions } from '../../../src/sources';
import { scriptedCrm, type ScriptedCrm } from '../../support/scripted-crm';
import { until } from '../../support/polling';
import { removeDir, startService, tempDir } from '../../support/service';

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
  const service = await startService(
    { ADMIN_PASSWORD: PASSWORD, RETRY_SCHEDULE: '20ms,20ms', SYNC_DEADLINE_MS: '200', ...env },
    dir,
    sourceDefinitions,
    {
      createConnector: async () => crm.connector,
    },
  );
  return { ...service, crm };
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

/** Waits until `check` holds (the worker runs steps in the background): `until` with the console tests' argument order. */
export const eventually = (check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> => until(what, check, ms);

/** The value of the first hidden `csrf` field of a page. */
export const csrfOf = (page: string): string => {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (match?.[1] === undefined) throw new Error('no csrf field on the page');
  return match[1];
};
