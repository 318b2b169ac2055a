/**
 * Bodies that lie about their length or framing, oversized and deeply nested bodies: a 4xx (or
 * a closed connection where HTTP itself is broken), nothing stored, the process alive, and no
 * personal data in the answer or the log.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { BODY_LIMIT_BYTES } from '../../../src/http/routes/webhooks';
import { olarkForm } from '../../support/olark';
import { TEST_TOKEN } from '../../support/service';
import {
  PERSONAL,
  assertAlive,
  assertCleanLog,
  assertNothingStored,
  errorCodeOf,
  rawStatus,
  send,
  sendRaw,
  startHostileService,
  type HostileService,
} from './harness';
import { freshId, hostileTranscript } from './payloads';

type Json = Record<string, unknown>;

const PATH = `/webhooks/olark/${TEST_TOKEN}`;
const head = (lines: readonly string[]) =>
  `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;

/** `{"deeper":{"deeper":…"leaf"…}}` as text: JSON.stringify itself overflows the stack on such values. */
const nestedText = (depth: number): string => `${'{"deeper":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
const withCustomFields = (payload: Json, text: string): string =>
  JSON.stringify({ ...payload, visitor: { ...(payload.visitor as Json), customFields: 'HERE' } }).replace('"HERE"', text);

describe('hostile input: lying framing, oversized and deeply nested bodies', function () {
  this.timeout(60_000);
  let service: HostileService;
  before(async () => {
    service = await startHostileService();
  });
  after(async () => {
    await service.stop();
  });

  /** Runs `attempt` with a fresh payload; then nothing of it is stored, the service answers, the log is clean. */
  const hostile = async (attempt: (payload: Json, form: string) => Promise<void>) => {
    const mark = service.logMark();
    const payload = hostileTranscript(freshId('frame'));
    const before = await service.store.queueStats();
    await attempt(payload, olarkForm(payload));
    await assertNothingStored(service, String(payload.id), before);
    await assertAlive(service);
    assertCleanLog(service, mark);
  };

  /** A 4xx status in a raw answer, or none at all (the server closed the connection). */
  const refusedOrClosed = (raw: string, label: string) => {
    const status = rawStatus(raw);
    assert.ok(raw === '' || (status >= 400 && status < 500), `${label}: ${raw.slice(0, 300)}`);
  };

  it('Content-Length longer than the body, then the client closes', () =>
    hostile(async (_, form) => {
      refusedOrClosed(
        await sendRaw(service.port, head([`Content-Length: ${Buffer.byteLength(form) + 100}`]) + form, 3000, { halfClose: true }),
        'short body',
      );
    }));

  it('Content-Length shorter than the body: the JSON is cut, the rest is not a request', () =>
    hostile(async (_, form) => {
      // Node's parser refuses the bytes after the declared length and closes before our answer.
      refusedOrClosed(
        await sendRaw(service.port, head([`Content-Length: ${Math.floor(Buffer.byteLength(form) / 2)}`]) + form),
        'long body',
      );
    }));

  it('Transfer-Encoding: chunked together with Content-Length', () =>
    hostile(async (_, form) => {
      const chunk = `${Buffer.byteLength(form).toString(16)}\r\n${form}\r\n0\r\n\r\n`;
      refusedOrClosed(
        await sendRaw(service.port, head(['Transfer-Encoding: chunked', `Content-Length: ${Buffer.byteLength(form)}`]) + chunk),
        'TE + CL',
      );
    }));

  it('two different Content-Length headers', () =>
    hostile(async (_, form) => {
      refusedOrClosed(
        await sendRaw(service.port, head([`Content-Length: ${Buffer.byteLength(form)}`, 'Content-Length: 5']) + form),
        'two CL',
      );
    }));

  it('a Content-Length that is not a number, and a bad chunk size', () =>
    hostile(async (_, form) => {
      refusedOrClosed(await sendRaw(service.port, head(['Content-Length: 12abc']) + form), 'CL 12abc');
      refusedOrClosed(await sendRaw(service.port, head(['Transfer-Encoding: chunked']) + `zz\r\n${form}\r\n0\r\n\r\n`), 'chunk size zz');
    }));

  it('a body declared one byte over the limit is refused before it is read, and the answer names the limit', () =>
    hostile(async () => {
      const raw = await sendRaw(service.port, head([`Content-Length: ${BODY_LIMIT_BYTES + 1}`]) + 'data=', 3000);
      assert.equal(rawStatus(raw), 413, raw.slice(0, 300));
      assert.match(raw, /"code":"PAYLOAD_TOO_LARGE"/);
      assert.ok(raw.includes(`the ${BODY_LIMIT_BYTES / (1024 * 1024)} MiB limit`), raw.slice(0, 300));
    }));

  it('a chunked body that grows past the limit', () =>
    hostile(async (payload) => {
      const answer = await send(`${service.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
        body: olarkForm({ ...payload, padding: 'x'.repeat(BODY_LIMIT_BYTES) }),
      });
      assert.equal(answer.status, 413);
      assert.equal(errorCodeOf(answer), 'PAYLOAD_TOO_LARGE');
    }));

  it('a gzip body without decoding support', () =>
    hostile(async (_, form) => {
      const answer = await send(`${service.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
        body: gzipSync(form),
      });
      assert.ok(answer.status >= 400 && answer.status < 500, answer.body);
      errorCodeOf(answer);
    }));

  for (const depth of [100, 10_000, 90_000])
    it(`JSON nested ${depth} levels deep is 422`, () =>
      hostile(async (payload) => {
        const answer = await send(`${service.url}${PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: withCustomFields(payload, nestedText(depth)),
        });
        assert.equal(errorCodeOf(answer), 'INVALID_PAYLOAD', answer.body);
        assert.match(answer.body, /nested deeper than/);
      }));

  it('a body of [ just under the limit is refused', () =>
    hostile(async () => {
      const answer = await send(`${service.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '['.repeat(BODY_LIMIT_BYTES - 10),
      });
      errorCodeOf(answer);
    }));

  it('takes custom fields nested 50 levels deep', async () => {
    const payload = hostileTranscript(freshId('nest'));
    const answer = await send(`${service.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: withCustomFields(payload, nestedText(50)),
    });
    assert.equal(answer.status, 200, answer.body);
  });

  it('names where JSON breaks, never quoting the text (it is personal data)', () =>
    hostile(async () => {
      for (const text of [PERSONAL.name, `{"name": "${PERSONAL.name}", ${PERSONAL.email}}`]) {
        const answer = await send(`${service.url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
        assert.equal(errorCodeOf(answer), 'MALFORMED_JSON');
        for (const value of Object.values(PERSONAL)) assert.ok(!answer.body.includes(value), answer.body);
        for (const word of ['Zebulon', 'zebulon']) assert.ok(!answer.body.includes(word), answer.body);
      }
    }));
});
