/**
 * ALERT_WEBHOOK_URL: a dead step reaches a local webhook receiver as `{"text"}` naming the
 * conversation, the step, the error and the console link; a burst of one error is one alert,
 * and the next one says how many were held back; a receiver that fails, hangs or is gone is
 * logged and never holds a step up.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as t from 'io-ts';
import { loadConfig } from '../../src/config';
import type { Log } from '../../src/domain/log';
import type { PermanentCode } from '../../src/domain/errors';
import { permanent } from '../../src/domain/outcome';
import { createAlerts } from '../../src/pipeline/alerts';
import type { StepObservation } from '../../src/pipeline/observer';
import { sourceDefinitions } from '../../src/sources';
import { until } from '../support/expect';
import { freePort, removeDir, startService, tempDir } from '../support/service';
import { TOY_EMAIL_DOMAIN, TOY_TOKEN, toySource } from '../support/toy-source';

const Alert = t.type({ text: t.string });

/** A Slack-like incoming webhook: takes `{"text"}` and answers as told. */
const receiver = async () => {
  const texts: string[] = [];
  let answer: 'ok' | 'fail' | 'hang' = 'ok';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      assert.ok(Alert.is(body), 'the body is {"text": string}');
      assert.equal(req.headers['content-type'], 'application/json');
      texts.push(body.text);
      if (answer === 'hang') return;
      res.writeHead(answer === 'ok' ? 200 : 500, { 'content-type': 'text/plain' }).end(answer === 'ok' ? 'ok' : 'invalid_token');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-path`,
    texts,
    answer: (a: typeof answer) => (answer = a),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const logged: { level: string; obj: object; msg?: string }[] = [];
const log: Log = {
  debug: () => undefined,
  info: (obj, msg) => logged.push({ level: 'info', obj, ...(msg === undefined ? {} : { msg }) }),
  warn: (obj, msg) => logged.push({ level: 'warn', obj, ...(msg === undefined ? {} : { msg }) }),
  error: (obj, msg) => logged.push({ level: 'error', obj, ...(msg === undefined ? {} : { msg }) }),
  child: () => log,
};

const dead = (id: string, code: PermanentCode = 'CRM_UNAUTHORIZED'): StepObservation => ({
  kind: 'deliver',
  conversationKey: `olark:${id}`,
  outcome: 'dead',
  seconds: 0.1,
  attempts: 1,
  failure: permanent(code, 'HubSpot refused the service key (401): create a new one'),
});

describe('alerts on dead steps', () => {
  let r: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    r = await receiver();
    logged.length = 0;
  });
  afterEach(() => r.close());

  it('sends one alert per error code per window, and the next one counts those held back', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const alerts = createAlerts({ url: r.url, publicUrl: 'https://chat2crm.example', log, now: () => now });
    for (let i = 0; i < 5; i++) alerts.step(dead(`burst-${i}`));
    alerts.step(dead('other', 'CRM_VALIDATION'));
    alerts.step({ ...dead('retrying'), outcome: 'retry' });
    alerts.step({ ...dead('expired'), outcome: 'expired' });
    await alerts.settled();
    assert.equal(r.texts.length, 2, 'one for the burst, one for the other code; none for a retry or an expiry');
    assert.equal(
      r.texts[0],
      [
        'chat2crm: a step failed for good and needs a person.',
        'Conversation olark:burst-0: delivering to the CRM (deliver) failed after 1 attempt.',
        'Error CRM_UNAUTHORIZED: HubSpot refused the service key (401): create a new one',
        'Console: https://chat2crm.example/admin/conversations/olark/burst-0',
      ].join('\n'),
    );
    assert.match(r.texts[1] ?? '', /^Error CRM_VALIDATION: /m);

    now = new Date(now.getTime() + 9 * 60_000);
    alerts.step(dead('still-in-window'));
    await alerts.settled();
    assert.equal(r.texts.length, 2);
    now = new Date(now.getTime() + 60_000);
    alerts.step(dead('after window'));
    await alerts.settled();
    assert.equal(r.texts.length, 3);
    assert.match(
      r.texts[2] ?? '',
      /Console: https:\/\/chat2crm\.example\/admin\/conversations\/olark\/after%20window\n5 more steps died with CRM_UNAUTHORIZED since the last alert of it \(not sent one by one\)\.$/,
    );
    assert.deepEqual(logged, []);
  });

  it('logs a receiver that refuses, hangs or is gone, without its URL, and never throws into the step', async () => {
    const alerts = createAlerts({ url: r.url, publicUrl: 'https://chat2crm.example', log, timeoutMs: 100 });
    r.answer('fail');
    alerts.step(dead('a', 'CRM_FORBIDDEN'));
    await alerts.settled();
    r.answer('hang');
    const started = Date.now();
    alerts.step(dead('b', 'CRM_CONFIG'));
    await alerts.settled();
    assert.ok(Date.now() - started < 2000);
    const gone = createAlerts({ url: `http://127.0.0.1:${await freePort()}/hook`, publicUrl: 'https://chat2crm.example', log });
    gone.step(dead('c', 'CRM_VALIDATION'));
    await gone.settled();
    assert.deepEqual(logged, [
      { level: 'warn', obj: { status: 500, code: 'CRM_FORBIDDEN' }, msg: 'alert webhook refused the alert' },
      { level: 'warn', obj: { reason: 'no answer within 100 ms', code: 'CRM_CONFIG' }, msg: 'alert webhook could not be reached' },
      { level: 'warn', obj: { reason: 'ECONNREFUSED', code: 'CRM_VALIDATION' }, msg: 'alert webhook could not be reached' },
    ]);
    assert.ok(!JSON.stringify(logged).includes('secret-path'));
  });

  it('reaches the receiver from the running service once for a burst of dead steps, naming no person', async () => {
    const toy = toySource();
    toy.failAlways = permanent('LIVECHAT_FORBIDDEN', 'the toy API refused TOY_API_KEY', { status: 401 });
    const dir = tempDir();
    const service = await startService({ ALERT_WEBHOOK_URL: r.url, TOY_WEBHOOK_TOKEN: TOY_TOKEN }, dir, [
      ...sourceDefinitions,
      toy.definition,
    ]);
    try {
      for (const id of ['chat-a', 'chat-b', 'chat-c', 'chat-d']) assert.equal((await toy.post(service.url, `e-${id}`, id)).status, 200);
      await until('four dead steps', async () => (await service.running.store.queueStats()).dead === 4);
      await until('an alert', () => r.texts.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(r.texts.length, 1);
      const [text = ''] = r.texts;
      assert.match(text, /^Conversation toy:chat-.: fetching the transcript \(fetch\) failed after 1 attempt\.$/m);
      assert.match(text, /^Error LIVECHAT_FORBIDDEN: the toy API refused TOY_API_KEY$/m);
      assert.match(text, new RegExp(`^Console: ${service.url}/admin/conversations/toy/chat-.$`, 'm'));
      assert.ok(!text.includes(TOY_EMAIL_DOMAIN) && !text.includes('Toy Visitor') && !text.includes('private question'));
    } finally {
      await service.stop();
      removeDir(dir);
    }
  });

  it('refuses a bad ALERT_WEBHOOK_URL or METRICS_TOKEN at start-up, naming the key but not the value', () => {
    const loaded = loadConfig({ ALERT_WEBHOOK_URL: 'ftp://hooks.example/T0/secret-path', METRICS_TOKEN: 'two words' });
    assert.ok(!loaded.ok);
    const errors = loaded.errors.join('\n');
    assert.match(errors, /ALERT_WEBHOOK_URL.*http/);
    assert.match(errors, /METRICS_TOKEN.*without spaces/);
    assert.ok(!errors.includes('secret-path') && !errors.includes('two words'));
    const good = loadConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example/T0/B0/x', METRICS_TOKEN: 'abc' });
    assert.ok(good.ok && good.config.alertWebhookUrl === 'https://hooks.example/T0/B0/x' && good.config.metricsToken === 'abc');
  });
});
