/**
 * A refused webhook is one `info` line naming its platform and error code, and nothing of the
 * request: not the token of the URL, not the body, not the person in it (the real process's
 * pino output is read). The start-up banner, which prints the webhook URLs with their tokens, is
 * not the log.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { PERSONAL, startHostileService, type HostileService } from './hostile/harness';
import { TEST_TOKEN } from '../support/service';

const LIVESUPPORTI_TOKEN = 'livesupporti-token-0123456789';
const WRONG_TOKEN = 'wrong-token-9876543210fedcba';

type Line = { level?: unknown; msg?: unknown; source?: unknown; code?: unknown; route?: unknown };

/** A path sent exactly as written: fetch and `new URL` would resolve its `..` first. */
const rawPath = (port: number, path: string): Promise<number> =>
  new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end('{}');
  });
const lines = (log: string): Line[] =>
  log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l): Line => {
      const parsed: unknown = JSON.parse(l);
      return typeof parsed === 'object' && parsed !== null ? parsed : {};
    });

describe('a refused webhook in the log', () => {
  let service: HostileService;
  before(async () => {
    service = await startHostileService({
      LOG_LEVEL: 'info',
      LIVESUPPORTI_WEBHOOK_TOKEN: LIVESUPPORTI_TOKEN,
      LIVESUPPORTI_WEBHOOK_SECRET: 's'.repeat(40),
    });
  });
  after(() => service.stop());

  it('is an info line with the platform and the code, and nothing of the request', async () => {
    const mark = service.logMark();
    const body = new URLSearchParams({
      data: `{"visitor": {"emailAddress": "${PERSONAL.email}", "fullName": "${PERSONAL.name}"}, "items": [{"body": "${PERSONAL.body}"`,
    }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await fetch(service.webhook, { method: 'POST', headers: form, body })).status, 400);
    assert.equal((await fetch(`${service.url}/webhooks/olark/${WRONG_TOKEN}`, { method: 'POST', headers: form, body })).status, 404);
    const signed = await fetch(`${service.url}/webhooks/livesupporti/${LIVESUPPORTI_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-livesupporti-signature': 'sha256=00' },
      body: JSON.stringify({ email: PERSONAL.email }),
    });
    assert.ok(signed.status === 400 || signed.status === 401, String(signed.status));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const log = service.log(mark);
    const rejected = lines(log).filter((l) => l.msg === 'webhook rejected');
    assert.deepEqual(
      rejected.map((l) => [l.level, l.source, typeof l.code]),
      [
        [30, 'olark', 'string'],
        [30, 'olark', 'string'],
        [30, 'livesupporti', 'string'],
      ],
    );
    assert.deepEqual(
      rejected.slice(0, 2).map((l) => l.code),
      ['MALFORMED_JSON', 'UNKNOWN_WEBHOOK_TOKEN'],
    );
    for (const secret of [TEST_TOKEN, WRONG_TOKEN, LIVESUPPORTI_TOKEN, PERSONAL.email, PERSONAL.name, PERSONAL.body])
      assert.ok(!log.includes(secret), `the log holds no ${secret}`);
  });

  it('names the route by its pattern, never by the path a client sent (tokens after the token included)', async () => {
    const mark = service.logMark();
    const paths = [
      `/webhooks/olark/${TEST_TOKEN}/../${TEST_TOKEN}`,
      `/webhooks/olark/${TEST_TOKEN}/extra/${TEST_TOKEN}`,
      `/webhooks/olark/${WRONG_TOKEN}/${WRONG_TOKEN}`,
      `/webhooks/livesupporti/${LIVESUPPORTI_TOKEN}/`,
      `/webhooks/olark/${TEST_TOKEN}`,
      `/webhooks/iadvize/${WRONG_TOKEN}/customer-info`,
    ];
    for (const path of paths) await rawPath(service.port, path);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = service.log(mark);
    const routes = lines(log)
      .filter((l) => l.msg === 'request')
      .map((l) => l.route);
    assert.deepEqual(routes, [
      'unmatched',
      'unmatched',
      'unmatched',
      'unmatched',
      '/webhooks/:source/:token',
      '/webhooks/:source/:token/customer-info',
    ]);
    for (const secret of [TEST_TOKEN, WRONG_TOKEN, LIVESUPPORTI_TOKEN]) assert.ok(!log.includes(secret), `the log holds no ${secret}`);
  });
});
