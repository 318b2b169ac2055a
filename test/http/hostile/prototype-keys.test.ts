/**
 * `__proto__`, `constructor` and `prototype` keys at every level of an Olark payload are data:
 * a payload with one answers and stores exactly what the same payload answers and stores with the
 * key renamed to an innocent one. (Before: a `__proto__` object became a prototype when the
 * codec copied the object, and its fields escaped validation.)
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
import { BREAKING, FORGING, LEVELS, defineKey, freshId, hostileTranscript, sparseTranscript } from './payloads';

const post = (service: HostileService, payload: unknown): Promise<Answer> =>
  send(service.webhook, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: olarkForm(payload) });

const linkOf = (answer: Answer): string => {
  assert.equal(answer.status, 200, answer.body);
  const body: unknown = JSON.parse(answer.body);
  assert.ok(typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string', answer.body);
  return body.integrationUrl;
};

describe('hostile input: prototype keys are plain data', function () {
  this.timeout(60_000);
  let service: HostileService;
  before(async () => {
    service = await startHostileService();
  });
  after(async () => {
    await service.stop();
  });

  /** The stored conversation without its id, as JSON. */
  const storedAs = async (id: string): Promise<unknown> => {
    const stored = await service.store.getConversation(`olark:${id}`);
    assert.ok(stored !== undefined, `conversation ${id} is not stored`);
    return JSON.parse(JSON.stringify({ ...stored.conversation, id: '(id)' }));
  };

  for (const key of ['__proto__', 'constructor', 'prototype'])
    for (const [level, at] of Object.entries(LEVELS))
      for (const [variant, value] of Object.entries({ forging: FORGING, breaking: BREAKING }))
        for (const [shape, build] of Object.entries({ full: hostileTranscript, sparse: sparseTranscript }))
          it(`"${key}" holding ${variant} fields at ${level} of a ${shape} transcript`, async () => {
            const twinId = freshId('twin');
            const twin = build(twinId);
            defineKey(at(twin), 'innocent_key', value);
            const hostileId = freshId('proto');
            const hostile = build(hostileId);
            defineKey(at(hostile), key, value);
            assert.ok(JSON.stringify(hostile).includes(`"${key}":`), 'the key is sent');

            const mark = service.logMark();
            const before = await service.store.queueStats();
            const expected = await post(service, twin);
            const answer = await post(service, hostile);
            assert.equal(answer.status, expected.status, answer.body);
            if (expected.status !== 200) {
              assert.equal(errorCodeOf(answer), errorCodeOf(expected));
              await assertNothingStored(service, hostileId, before);
              await assertAlive(service);
              assertCleanLog(service, mark);
              return;
            }
            const link = linkOf(answer);
            assert.deepEqual(await storedAs(hostileId), await storedAs(twinId));
            // The answer is this conversation's record: the stable link forwards to it.
            const stable = await send(`${service.url}/r/olark/${encodeURIComponent(hostileId)}`);
            assert.equal(stable.status, 302);
            assert.equal(stable.headers.location, link);
            assert.equal((await send(link)).status, 200, 'the record page');
            // A clean re-post of the same conversation still works.
            assert.equal(linkOf(await post(service, build(hostileId))), link);
            assert.equal((await send(link)).status, 200);
            await assertAlive(service);
            assertCleanLog(service, mark);
          });
});
