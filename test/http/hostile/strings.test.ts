/**
 * Strings a URL, a CRM key or a header cannot carry (lone UTF-16 surrogates, control characters,
 * overlong ids) are refused with 422 naming the field before anything is stored; free text keeps
 * its transcript, with lone surrogates shown as U+FFFD. (Before: such an id was stored, then the
 * answer failed with 503 while building the stable link, and the job stayed running.)
 */
import assert from 'node:assert/strict';
import { olarkForm } from '../../support/olark';
import {
  assertAlive,
  assertCleanLog,
  assertNothingStored,
  errorCodeOf,
  send,
  startHostileService,
  type Answer,
  type HostileService,
} from './harness';
import { defineKey, freshId, hostileTranscript } from './payloads';

type Json = Record<string, unknown>;

const post = (service: HostileService, body: string | Buffer, contentType = 'application/x-www-form-urlencoded'): Promise<Answer> =>
  send(service.webhook, { method: 'POST', headers: { 'content-type': contentType }, body });

const UNREPRESENTABLE: Readonly<Record<string, string>> = {
  'a lone high surrogate': 'abc\ud800',
  'a lone low surrogate': '\udc00abc',
  'reversed surrogates': 'a\udc00\ud800b',
  'a NUL': 'abc\u0000def',
  'a newline': 'abc\ndef',
  'a DEL': 'abc\u007f',
  'a C1 control': 'abc\u0085',
};

/** Each field that becomes a URL, a CRM key or a map key, and how to set it. */
const FIELDS: Readonly<Record<string, { path: RegExp; set: (p: Json, value: string) => void }>> = {
  id: { path: /\bid: /, set: (p, v) => (p.id = v) },
  'visitor.id': { path: /visitor\.id: /, set: (p, v) => ((p.visitor as Json).id = v) },
  'visitor.emailAddress': { path: /visitor\.emailAddress: /, set: (p, v) => ((p.visitor as Json).emailAddress = `ada${v}@example.com`) },
  'operators.<id>.emailAddress': {
    path: /operators\.1029431\.emailAddress: /,
    set: (p, v) => (((p.operators as Json)['1029431'] as Json).emailAddress = `op${v}@example.com`),
  },
  'operators.<key>': { path: /operators\./, set: (p, v) => defineKey(p.operators as Json, `99${v}`, { id: '99' }) },
  'items.1.operatorId': { path: /items\.1\.operatorId: /, set: (p, v) => ((p.items as Json[])[1]!.operatorId = `1029431${v}`) },
};

describe('hostile input: unrepresentable strings', function () {
  this.timeout(60_000);
  let service: HostileService;
  before(async () => {
    service = await startHostileService();
  });
  after(async () => {
    await service.stop();
  });

  const rejects = async (label: string, payload: Json, path: RegExp, id = String(payload.id)) => {
    const mark = service.logMark();
    const before = await service.store.queueStats();
    const answer = await post(service, olarkForm(payload));
    assert.equal(errorCodeOf(answer), 'INVALID_PAYLOAD', `${label}: ${answer.body}`);
    assert.equal(answer.status, 422);
    assert.match(answer.body, path, label);
    await assertNothingStored(service, id, before);
    await assertAlive(service);
    assertCleanLog(service, mark);
  };

  for (const [field, { path, set }] of Object.entries(FIELDS))
    for (const [what, value] of Object.entries(UNREPRESENTABLE))
      it(`refuses ${what} in ${field} with 422 naming it`, async () => {
        const payload = hostileTranscript(freshId('str'));
        const id = String(payload.id);
        set(payload, value);
        await rejects(`${what} in ${field}`, payload, path, field === 'id' ? String(payload.id) : id);
      });

  for (const [what, id] of Object.entries({
    'an empty id': '',
    'a blank id': ' \t ',
    'a 129-character id': 'x'.repeat(129),
    'a 100 kB id': 'y'.repeat(100_000),
  }))
    it(`refuses ${what} with 422 naming it`, async () => {
      const payload = hostileTranscript(freshId('len'));
      payload.id = id;
      await rejects(what, payload, /\bid: /);
    });

  it('takes lone surrogates in free text as U+FFFD: stored, answered, its pages work', async () => {
    const mark = service.logMark();
    const payload = hostileTranscript(freshId('text'));
    const items = payload.items as Json[];
    items[0]!.body = 'broken \ud800 emoji';
    items[0]!.visitor_nickname = 'Ada \udfff';
    (payload.visitor as Json).fullName = 'Ada \ud83d Lovelace';
    payload.tags = ['vip\udc00'];
    const answer = await post(service, olarkForm(payload));
    assert.equal(answer.status, 200, answer.body);
    const body: unknown = JSON.parse(answer.body);
    assert.ok(
      typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string',
      answer.body,
    );
    const link = body.integrationUrl;
    const stored = await service.store.getConversation(`olark:${String(payload.id)}`);
    assert.ok(stored !== undefined);
    assert.equal(stored.conversation.messages[0]?.body, 'broken \ufffd emoji');
    assert.equal(stored.conversation.messages[0]?.author, 'Ada \ufffd');
    assert.equal(stored.conversation.visitor.name, 'Ada \ufffd Lovelace');
    assert.deepEqual(stored.conversation.tags, ['vip\ufffd']);
    assert.equal((await send(link)).status, 200);
    const stable = await send(`${service.url}/r/olark/${encodeURIComponent(String(payload.id))}`);
    assert.equal(stable.headers.location, link);
    const stats = await service.store.queueStats();
    assert.equal(stats.running, 0, 'no job left running');
    await assertAlive(service);
    assertCleanLog(service, mark);
  });

  it('refuses a body that is not UTF-8 (a surrogate encoded as CESU-8 bytes) with 400', async () => {
    const mark = service.logMark();
    const payload = hostileTranscript(freshId('cesu'));
    const json = JSON.stringify(payload).replace('"kind":"Conversation"', '"kind":"Conversation","x":"\u0000"');
    const bytes = Buffer.concat([
      Buffer.from(json.slice(0, -1)),
      Buffer.from(',"y":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    const before = await service.store.queueStats();
    const answer = await post(service, bytes, 'application/json');
    assert.equal(errorCodeOf(answer), 'MALFORMED_BODY');
    await assertNothingStored(service, String(payload.id), before);
    await assertAlive(service);
    assertCleanLog(service, mark);
  });
});
