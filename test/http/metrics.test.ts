/**
 * GET /metrics over HTTP: Bearer METRICS_TOKEN, a scrape that a strict exposition parser takes,
 * counters that move as webhooks arrive and steps run, and one registry per service.
 */
import assert from 'node:assert/strict';
import { transient, permanent, RATE_LIMITED } from '../../src/domain/outcome';
import { sourceDefinitions } from '../../src/sources';
import { until } from '../support/expect';
import { postOlark, transcript } from '../support/olark';
import { parsePrometheus, valueOf, type Family } from '../support/prometheus';
import { removeDir, startService, tempDir, type TestService } from '../support/service';
import { TOY_TOKEN, toySource, type ToySource } from '../support/toy-source';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('GET /metrics', () => {
  let service: TestService;
  let dir: string;
  let toy: ToySource;

  beforeEach(async () => {
    dir = tempDir();
    toy = toySource();
    service = await startService({ METRICS_TOKEN, TOY_WEBHOOK_TOKEN: TOY_TOKEN, RETRY_SCHEDULE: '30ms,5s' }, dir, [
      ...sourceDefinitions,
      toy.definition,
    ]);
  });
  afterEach(async () => {
    await service.stop();
    removeDir(dir);
  });

  const scrape = async (url = service.url): Promise<Map<string, Family>> => {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await res.text());
  };

  it('refuses a scrape without the Bearer token, or with a wrong one, as 401 with WWW-Authenticate', async () => {
    for (const authorization of [
      undefined,
      `Bearer wrong-${METRICS_TOKEN}`,
      `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`,
      'Bearer',
    ]) {
      const res = await fetch(`${service.url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="chat2crm metrics"');
      const body: unknown = await res.json();
      assert.deepEqual(body, {
        error: { code: 'METRICS_UNAUTHORIZED', message: 'GET /metrics needs the header `Authorization: Bearer <METRICS_TOKEN>`.' },
      });
    }
  });

  it('parses strictly, with the process metrics, the queue gauges and every chat2crm family typed and described', async () => {
    const families = await scrape();
    assert.equal(families.get('chat2crm_process_cpu_user_seconds_total')?.type, 'counter');
    assert.equal(families.get('chat2crm_nodejs_eventloop_lag_seconds')?.type, 'gauge');
    for (const [name, type] of [
      ['chat2crm_webhooks_received_total', 'counter'],
      ['chat2crm_webhooks_rejected_total', 'counter'],
      ['chat2crm_steps_total', 'counter'],
      ['chat2crm_step_duration_seconds', 'histogram'],
      ['chat2crm_outside_calls_total', 'counter'],
      ['chat2crm_outside_rate_limited_total', 'counter'],
      ['chat2crm_queue_jobs', 'gauge'],
      ['chat2crm_oldest_pending_step_age_seconds', 'gauge'],
    ] as const) {
      assert.equal(families.get(name)?.type, type, name);
      assert.ok((families.get(name)?.help.length ?? 0) > 20, `${name} has a HELP`);
    }
    assert.deepEqual(
      families.get('chat2crm_queue_jobs')?.samples.map((s) => [s.labels.state, s.value]),
      [
        ['pending', 0],
        ['running', 0],
        ['done', 0],
        ['dead', 0],
        ['expired', 0],
        ['failing', 0],
      ],
    );
    assert.equal(valueOf(families, 'chat2crm_oldest_pending_step_age_seconds'), 0);
  });

  it('counts Olark webhooks stored, seen before and refused by code, and the deliver step and its CRM call', async () => {
    const chat = transcript();
    assert.equal((await postOlark(service.webhook, chat)).status, 200);
    assert.equal((await postOlark(service.webhook, chat)).status, 200, 'the same bytes again');
    assert.equal((await postOlark(`${service.url}/webhooks/olark/not-the-token-0123456789`, chat)).status, 404);
    assert.equal((await postOlark(service.webhook, undefined, { body: 'data=%7Bnot json' })).status, 400);
    assert.equal((await fetch(`${service.url}/webhooks/nosuch/${TOY_TOKEN}`, { method: 'POST' })).status, 404);

    const m = await scrape();
    assert.equal(valueOf(m, 'chat2crm_webhooks_received_total', { source: 'olark', outcome: 'stored' }), 1);
    assert.equal(valueOf(m, 'chat2crm_webhooks_received_total', { source: 'olark', outcome: 'duplicate' }), 1);
    assert.equal(valueOf(m, 'chat2crm_webhooks_received_total', { source: 'olark', outcome: 'rejected' }), 2);
    assert.equal(valueOf(m, 'chat2crm_webhooks_rejected_total', { source: 'olark', code: 'UNKNOWN_WEBHOOK_TOKEN' }), 1);
    assert.equal(valueOf(m, 'chat2crm_webhooks_rejected_total', { source: 'olark', code: 'MALFORMED_JSON' }), 1);
    assert.equal(
      valueOf(m, 'chat2crm_webhooks_rejected_total', { source: 'unregistered', code: 'UNKNOWN_WEBHOOK_TOKEN' }),
      1,
      'a path naming no platform is not a label of its own',
    );
    assert.equal(valueOf(m, 'chat2crm_steps_total', { kind: 'deliver', outcome: 'ok' }), 1, 'the sync answer waited for the delivery');
    assert.equal(valueOf(m, 'chat2crm_step_duration_seconds_count', { kind: 'deliver' }), 1);
    assert.equal(valueOf(m, 'chat2crm_outside_calls_total', { target: 'local', outcome: 'ok' }), 1);
    assert.equal(valueOf(m, 'chat2crm_queue_jobs', { state: 'done' }), 1);
    const text = await (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    assert.ok(
      !text.includes(chat.id) && !text.includes('Ada') && !text.includes('not-the-token'),
      'no conversation, person or token in a label',
    );
  });

  it('counts steps by outcome, platform calls by target, 429s as rate limited, and the failing and dead steps in the queue', async () => {
    toy.faults.push(
      transient(RATE_LIMITED, 'toy API: too many requests', { status: 429, retryAfterMs: 10 }),
      transient('LIVECHAT_UNAVAILABLE', '503', { status: 503 }),
    );
    assert.equal((await toy.post(service.url, 'e1', 'chat-1')).status, 200);
    await until(
      'chat-1 delivered and notified',
      async () => (await service.running.store.latestJob('toy:chat-1', 'notify'))?.state === 'done',
    );
    toy.faults.push(permanent('LIVECHAT_FORBIDDEN', 'the toy API refused the key', { status: 401 }));
    await toy.post(service.url, 'e2', 'chat-2');
    await until('chat-2 dead', async () => (await service.running.store.queueStats()).dead === 1);

    const m = await scrape();
    assert.equal(valueOf(m, 'chat2crm_webhooks_received_total', { source: 'toy', outcome: 'stored' }), 2);
    assert.equal(valueOf(m, 'chat2crm_steps_total', { kind: 'fetch', outcome: 'retry' }), 2);
    assert.equal(valueOf(m, 'chat2crm_steps_total', { kind: 'fetch', outcome: 'ok' }), 1);
    assert.equal(valueOf(m, 'chat2crm_steps_total', { kind: 'fetch', outcome: 'dead' }), 1);
    assert.equal(valueOf(m, 'chat2crm_steps_total', { kind: 'deliver', outcome: 'ok' }), 1);
    assert.equal(valueOf(m, 'chat2crm_steps_total', { kind: 'notify', outcome: 'ok' }), 1);
    assert.equal(valueOf(m, 'chat2crm_outside_calls_total', { target: 'toy', outcome: 'transient' }), 2);
    assert.equal(valueOf(m, 'chat2crm_outside_calls_total', { target: 'toy', outcome: 'permanent' }), 1);
    assert.equal(valueOf(m, 'chat2crm_outside_calls_total', { target: 'toy', outcome: 'ok' }), 2, 'one fetch and one notify');
    assert.equal(valueOf(m, 'chat2crm_outside_calls_total', { target: 'local', outcome: 'ok' }), 1);
    assert.equal(valueOf(m, 'chat2crm_outside_rate_limited_total', { target: 'toy' }), 1);
    assert.equal(valueOf(m, 'chat2crm_queue_jobs', { state: 'dead' }), 1);

    toy.failAlways = transient('LIVECHAT_UNAVAILABLE', '503', { status: 503 });
    await toy.post(service.url, 'e3', 'chat-3');
    await until('chat-3 failing', async () => (await service.running.store.queueStats()).failing === 1);
    assert.equal(valueOf(await scrape(), 'chat2crm_queue_jobs', { state: 'failing' }), 1);
  });

  it('keeps its own counters per service in one process', async () => {
    const otherDir = tempDir();
    const other = await startService({ METRICS_TOKEN }, otherDir);
    try {
      await postOlark(service.webhook, transcript());
      await postOlark(service.webhook, transcript());
      await postOlark(other.webhook, transcript());
      assert.equal(valueOf(await scrape(), 'chat2crm_webhooks_received_total', { outcome: 'stored' }), 2);
      assert.equal(valueOf(await scrape(other.url), 'chat2crm_webhooks_received_total', { outcome: 'stored' }), 1);
    } finally {
      await other.stop();
      removeDir(otherDir);
    }
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is open', async () => {
    const dir = tempDir();
    const service = await startService({}, dir);
    try {
      const res = await fetch(`${service.url}/metrics`);
      assert.equal(res.status, 200);
      assert.ok(parsePrometheus(await res.text()).has('chat2crm_webhooks_received_total'));
    } finally {
      await service.stop();
      removeDir(dir);
    }
  });
});
