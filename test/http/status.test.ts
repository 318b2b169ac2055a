/**
 * /status and /healthz tell the truth: "needs attention" while steps fail or are dead or the CRM
 * check fails, with counts and the console link, never a conversation's personal data; the CRM
 * check runs at most once a minute and within a time limit.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import type { CheckReport } from '../../src/domain/connector';
import { permanent, transient } from '../../src/domain/outcome';
import { cachedCrmCheck } from '../../src/http/crm-check';
import { start } from '../../src/main';
import { sourceDefinitions } from '../../src/sources';
import { until } from '../support/expect';
import { postOlark, transcript } from '../support/olark';
import { removeDir, serviceEnv, tempDir } from '../support/service';
import { TOY_EMAIL_DOMAIN, TOY_TOKEN, toySource, type ToySource } from '../support/toy-source';

const text = (page: string) => page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('/status and /healthz tell the truth', () => {
  let dir: string;
  let running: Awaited<ReturnType<typeof start>>;
  let url: string;
  let toy: ToySource;
  let report: CheckReport;
  let checks: number;

  beforeEach(async () => {
    dir = tempDir();
    toy = toySource();
    report = { ok: true, items: [{ name: 'credentials', ok: true, detail: 'fine' }] };
    checks = 0;
    const loaded = loadConfig(await serviceEnv({ TOY_WEBHOOK_TOKEN: TOY_TOKEN, RETRY_SCHEDULE: '10m' }, dir), [
      ...sourceDefinitions,
      toy.definition,
    ]);
    assert.ok(loaded.ok);
    const config = loaded.config;
    running = await start(config, {
      announce: () => undefined,
      // The local CRM, whose check answers what the test says.
      createConnector: async (deps) => {
        const local = await config.createConnector(deps);
        return {
          ...local,
          upsert: (input) => local.upsert(input),
          findPerson: (email) => local.findPerson(email),
          check: async () => {
            checks++;
            return report;
          },
        };
      },
    });
    url = `http://127.0.0.1:${running.port}`;
  });
  afterEach(async () => {
    await running.shutdown();
    removeDir(dir);
  });

  const status = async () => {
    const res = await fetch(`${url}/status`);
    assert.equal(res.status, 200);
    return text(await res.text());
  };
  const health = async () => {
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200, 'a live instance stays in the load balancer');
    const body: unknown = await res.json();
    assert.ok(
      typeof body === 'object' &&
        body !== null &&
        'attention' in body &&
        'queue' in body &&
        typeof body.queue === 'object' &&
        body.queue !== null &&
        'failing' in body.queue,
    );
    return { attention: body.attention, failing: body.queue.failing };
  };

  it('says ok while every step is done and the CRM check passes', async () => {
    await postOlark(`${url}/webhooks/olark/${running.tokens.get('olark') ?? ''}`, transcript());
    const page = await status();
    assert.match(page, /chat2crm is running ok/);
    assert.match(page, /CRM check passes/);
    assert.doesNotMatch(page, /needs attention/i);
    assert.deepEqual(await health(), { attention: false, failing: 0 });
  });

  it('needs attention while a step fails and after one died, with counts and the console link, and no personal data', async () => {
    toy.failAlways = transient('LIVECHAT_UNAVAILABLE', 'toy API answered 503', { status: 503 });
    await toy.post(url, 'e1', 'chat-failing');
    await until('a failing step', async () => (await running.store.queueStats()).failing === 1);
    let page = await status();
    assert.match(page, /chat2crm is running needs attention/);
    assert.match(page, /Needs attention: 1 step failing, to be tried again\./);
    assert.match(page, /Failing 1 step of those failed at least once/);
    assert.deepEqual(await health(), { attention: true, failing: 1 });

    toy.failAlways = permanent('LIVECHAT_FORBIDDEN', 'the toy API refused the key', { status: 401 });
    await toy.post(url, 'e2', 'chat-dead');
    await until('a dead step', async () => (await running.store.queueStats()).dead === 1);
    const raw = await (await fetch(`${url}/status`)).text();
    page = text(raw);
    assert.match(page, /Needs attention: 1 step failing, to be tried again; 1 step failed for good\./);
    assert.match(raw, /<a href="\/admin">operator console<\/a>/);
    assert.match(page, /Failed for good 1 step: the console/);
    for (const secret of ['chat-dead', 'chat-failing', TOY_EMAIL_DOMAIN, 'Toy Visitor', 'private question', 'LIVECHAT_FORBIDDEN'])
      assert.ok(!raw.includes(secret), `${secret} is not on the public page`);
  });

  it('needs attention while the CRM check fails, naming the failing checks but not their details; checked at most once a minute', async () => {
    report = {
      ok: false,
      items: [
        { name: 'credentials', ok: false, detail: 'token revoked for portal 4242' },
        { name: 'properties', ok: true, detail: 'fine' },
      ],
    };
    const page = await status();
    assert.match(page, /needs attention/);
    assert.match(page, /Needs attention: the CRM check fails\./);
    assert.match(page, /CRM check fails: credentials \(checked .*; the details are in the console\)/);
    assert.ok(!page.includes('4242'));
    await status();
    await status();
    assert.equal(checks, 1, 'one check for three page loads within a minute');
  });
});

describe('the cached CRM check', () => {
  it('runs once per interval, shares a check in flight, and reports a check that hangs or throws as failing', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    let calls = 0;
    let answer: () => Promise<CheckReport> = async () => ({ ok: true, items: [] });
    const check = cachedCrmCheck(
      () => {
        calls++;
        return answer();
      },
      { everyMs: 60_000, timeoutMs: 50, now: () => now },
    );
    const [a, b] = await Promise.all([check(), check()]);
    assert.equal(a, b);
    assert.equal(calls, 1);
    now = new Date(now.getTime() + 59_000);
    await check();
    assert.equal(calls, 1);

    now = new Date(now.getTime() + 1_000);
    answer = () => new Promise(() => undefined);
    const hung = await check();
    assert.equal(calls, 2);
    assert.deepEqual(hung.report, {
      ok: false,
      items: [{ name: 'reachable', ok: false, detail: 'the CRM check did not answer within 50 ms' }],
    });

    now = new Date(now.getTime() + 60_000);
    answer = async () => {
      throw new Error('socket hang up');
    };
    assert.deepEqual((await check()).report, {
      ok: false,
      items: [{ name: 'check', ok: false, detail: 'the CRM check failed: socket hang up' }],
    });
  });
});
