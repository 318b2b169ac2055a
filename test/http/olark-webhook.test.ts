import assert from 'node:assert/strict';
import { BODY_LIMIT_BYTES } from '../../src/http/routes/webhooks';
import { integrationUrlOf as integrationUrl } from '../support/expect';
import { fixture, fixtureNames, olarkForm, postOlark, transcript } from '../support/olark';
import { freePort, removeDir, startService, tempDir, type TestService } from '../support/service';

const json = async (res: Response): Promise<unknown> => JSON.parse(await res.text());
const errorCode = async (res: Response): Promise<string> => {
  const body = await json(res);
  assert.ok(typeof body === 'object' && body !== null && 'error' in body, JSON.stringify(body));
  const error = body.error;
  assert.ok(typeof error === 'object' && error !== null && 'code' in error && 'message' in error && typeof error.code === 'string');
  return error.code;
};

describe('POST /webhooks/olark/:token', () => {
  let service: TestService;
  let dir: string;

  beforeEach(async () => {
    dir = tempDir();
    service = await startService({}, dir);
  });
  afterEach(async () => {
    await service.stop();
    removeDir(dir);
  });

  const queue = () => service.running.store.queueStats();
  const localRecordCount = async (url: string) => {
    const id = decodeURIComponent(url.split('/records/')[1] ?? '');
    return (await service.running.store.getLocalRecord(id)) === undefined ? 0 : 1;
  };

  describe('every real Olark fixture, form-encoded exactly as Olark sends it', () => {
    for (const name of fixtureNames()) {
      it(`answers ${name}`, async () => {
        const payload = fixture(name);
        const res = await postOlark(service.webhook, payload);
        assert.equal(res.status, 200);
        const body = await json(res);
        if (name.startsWith('send-test')) {
          assert.deepEqual(body, { integrationUrl: `${service.url}/status` });
          assert.equal((await queue()).done + (await queue()).pending, 0, 'the Send test never reaches the CRM');
        } else if (name.includes('start-event')) {
          // Nobody with this email is in the CRM yet.
          assert.deepEqual(body, {});
          const steps = [...(await service.running.store.listJobs('done', 100)), ...(await service.running.store.listJobs('pending', 100))];
          assert.deepEqual(
            steps.map((j) => j.kind),
            ['lookup'],
            'start events only look the visitor up',
          );
        } else {
          assert.ok(typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string');
          assert.match(body.integrationUrl, new RegExp(`^${service.url}/records/[0-9a-f]{12}[A-Za-z0-9_-]{22}$`));
          const page = await fetch(body.integrationUrl);
          assert.equal(page.status, 200);
          assert.match(await page.text(), /Transcript|Offline message/);
        }
      });
    }
  });

  it('updates the same record when the conversation is posted again, with the fuller transcript', async () => {
    const first = transcript({ lines: 2, email: 'ada@example.com' });
    const url1 = await integrationUrl(await postOlark(service.webhook, first));
    const fuller = {
      ...first,
      items: transcript({ id: first.id, lines: 5 }).items,
      visitor: { ...first.visitor, phoneNumber: '+44 20 7946 0000' },
    };
    const url2 = await integrationUrl(await postOlark(service.webhook, fuller));
    assert.equal(url2, url1);
    const id = decodeURIComponent(url1.split('/records/')[1] ?? '');
    const record = await service.running.store.getLocalRecord(id);
    assert.ok(record !== undefined);
    assert.equal(record.conversation.messages.length, 5);
    assert.equal(record.conversation.visitor.phone, '+44 20 7946 0000');
    assert.equal(record.conversation.visitor.email, 'ada@example.com');
    assert.equal(record.history.length, 2);
    const stats = await queue();
    assert.equal(stats.pending + stats.running, 0);
  });

  it('gives 20 concurrent POSTs of one new conversation one record and 20 identical URLs', async () => {
    const payload = transcript({ lines: 3 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => postOlark(service.webhook, payload).then(integrationUrl)));
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    const [url] = answers;
    assert.ok(url !== undefined && url.includes('/records/'), 'the CRM link, not the stable link');
    assert.equal(await localRecordCount(url), 1);
    // The same bytes posted again are the same event: recognised, not stored again.
    const stored = await service.running.store.getConversation(`olark:${payload.id}`);
    assert.equal(stored?.version, 1);
  });

  it('makes a case for ?record=case, a !case command, a case tag, and a lead otherwise', async () => {
    const page = async (url: string) => (await fetch(url)).text();
    assert.match(await page(await integrationUrl(await postOlark(`${service.webhook}?record=case`, transcript()))), /<h1>Case:/);
    assert.match(await page(await integrationUrl(await postOlark(service.webhook, transcript({ command: '!case' })))), /<h1>Case:/);
    assert.match(await page(await integrationUrl(await postOlark(service.webhook, transcript({ tags: ['Support'] })))), /<h1>Case:/);
    assert.match(await page(await integrationUrl(await postOlark(service.webhook, transcript()))), /<h1>Lead:/);
  });

  it('answers a start event with the CRM person once the visitor is known', async () => {
    const known = transcript({ email: 'Known.Visitor@Example.com' });
    const url = await integrationUrl(await postOlark(service.webhook, known));
    const start = { ...transcript({ email: 'known.visitor@example.com' }), items: [], operators: {}, eventType: 'start' };
    assert.equal(await integrationUrl(await postOlark(service.webhook, start)), url);
    assert.equal(await service.running.store.latestJob(`olark:${start.id}`, 'deliver'), undefined, 'the start event created no delivery');
    assert.equal((await service.running.store.latestJob(`olark:${start.id}`))?.kind, 'lookup');
  });

  it('answers application/json with the integrationUrl', async () => {
    const res = await postOlark(service.webhook, transcript());
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.match(await integrationUrl(res), /\/records\//);
  });

  it('accepts raw JSON as well as the form', async () => {
    const res = await postOlark(service.webhook, undefined, { contentType: 'application/json', body: JSON.stringify(transcript()) });
    assert.match(await integrationUrl(res), /\/records\//);
  });

  describe('bad input gets the documented 4xx, stores nothing, and the process stays healthy', () => {
    const cases: {
      name: string;
      url?: (s: TestService) => string;
      contentType?: string;
      body: () => string;
      status: number;
      code: string;
    }[] = [
      { name: 'malformed JSON', body: () => 'data=%7Bnot+json', status: 400, code: 'MALFORMED_JSON' },
      { name: 'a missing data field', body: () => 'transcript=%7B%7D', status: 400, code: 'MISSING_DATA_FIELD' },
      {
        name: 'wrong types',
        body: () => olarkForm({ ...transcript(), items: [{ kind: 'MessageToOperator', body: 42, timestamp: '1.0' }] }),
        status: 422,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'a wrong token',
        url: (s) => `${s.url}/webhooks/olark/not-the-right-token-at-all`,
        body: () => olarkForm(transcript()),
        status: 404,
        code: 'UNKNOWN_WEBHOOK_TOKEN',
      },
      {
        name: 'a wrong content type',
        contentType: 'text/plain',
        body: () => JSON.stringify(transcript()),
        status: 415,
        code: 'UNSUPPORTED_CONTENT_TYPE',
      },
      { name: 'an oversize body', body: () => `data=${'x'.repeat(BODY_LIMIT_BYTES)}`, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      {
        name: 'a bad ?record=',
        url: (s) => `${s.webhook}?record=deal`,
        body: () => olarkForm(transcript()),
        status: 400,
        code: 'INVALID_QUERY',
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}`, async () => {
        const res = await fetch(c.url?.(service) ?? service.webhook, {
          method: 'POST',
          headers: { 'content-type': c.contentType ?? 'application/x-www-form-urlencoded' },
          body: c.body(),
        });
        assert.equal(res.status, c.status);
        assert.equal(await errorCode(res), c.code);
        const stats = await queue();
        assert.deepEqual([stats.pending, stats.running, stats.done, stats.dead], [0, 0, 0, 0]);
        const health = await fetch(`${service.url}/healthz`);
        assert.equal(health.status, 200);
      });
    }

    it('names the failing field path', async () => {
      const res = await postOlark(service.webhook, { ...transcript(), id: 17 });
      const body = await json(res);
      assert.match(JSON.stringify(body), /id: /);
    });

    it('answers unknown paths and methods in the same error shape', async () => {
      const missing = await fetch(`${service.url}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(await errorCode(missing), 'NOT_FOUND');
      const wrongMethod = await fetch(service.webhook);
      assert.equal(wrongMethod.status, 405);
      assert.equal(await errorCode(wrongMethod), 'METHOD_NOT_ALLOWED');
    });
  });

  it('answers 503 with Retry-After, not 200, when the transcript cannot be stored', async () => {
    await service.running.store.close();
    const res = await postOlark(service.webhook, transcript());
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '30');
    assert.equal(await errorCode(res), 'SERVICE_UNAVAILABLE');
  });

  it('keeps everything across a restart, and the generated token too', async () => {
    await service.stop();
    removeDir(dir);
    dir = tempDir();
    const env = { OLARK_WEBHOOK_TOKEN: '', PORT: String(await freePort()) };
    service = await startService(env, dir);
    const token = service.running.tokens.get('olark') ?? '';
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    const webhook = `${service.url}/webhooks/olark/${token}`;
    const payload = transcript();
    const url = await integrationUrl(await postOlark(webhook, payload));
    await service.stop();
    service = await startService(env, dir);
    assert.equal(service.running.tokens.get('olark'), token);
    assert.equal((await fetch(url)).status, 200);
    assert.equal(await integrationUrl(await postOlark(`${service.url}/webhooks/olark/${token}`, payload)), url);
  });
});
