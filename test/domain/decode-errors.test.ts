/**
 * The one io-ts error reporter (src/domain/decode-errors.ts): 4xx bodies, start-up errors,
 * platform answers and stored rows all name failures this way.
 */
import assert from 'node:assert/strict';
import * as t from 'io-ts';
import { describeErrors, summarizeErrors } from '../../src/domain/decode-errors';

const errorsOf = <A>(codec: t.Decoder<unknown, A>, value: unknown): t.Errors => {
  const decoded = codec.decode(value);
  if (decoded._tag === 'Right') assert.fail('expected a decode failure');
  return decoded.left;
};

const Item = t.intersection([t.type({ kind: t.literal('Message'), body: t.string }), t.partial({ at: t.number })]);
const Payload = t.type({ id: t.string, items: t.array(Item), visitor: t.type({ email: t.string }) });

describe('decode errors', () => {
  it('names each failing path once, without the member index of an intersection, and never the value', () => {
    const lines = describeErrors(
      errorsOf(Payload, {
        id: 7,
        items: [
          { kind: 'Message', body: 'ok' },
          { kind: 'Other', body: 3, at: 'x' },
        ],
        visitor: 'ann@example.com',
      }),
    );
    assert.deepEqual(lines, [
      'id: expected string',
      'items.1.kind: expected "Message"',
      'items.1.body: expected string',
      'items.1.at: expected number',
      'visitor: expected an object',
    ]);
    assert.ok(!lines.join('\n').includes('ann@example.com'));
  });

  it('says (root) for the value itself, puts a prefix before every path, and keeps the codec’s own message', () => {
    assert.deepEqual(describeErrors(errorsOf(Payload, [1])), ['(root): expected an object']);
    assert.deepEqual(describeErrors(errorsOf(t.array(t.string), 'a')), ['(root): expected an array']);
    assert.deepEqual(describeErrors(errorsOf(t.type({ Id: t.string }), {}), 'Notifications.0.Data'), [
      'Notifications.0.Data.Id: expected string',
    ]);
    const Named = new t.Type<string, string, unknown>('Named', t.string.is, (u, c) => t.failure(u, c, 'expected a name'), String);
    assert.deepEqual(describeErrors(errorsOf(t.type({ name: Named }), { name: 1 })), ['name: expected a name']);
  });

  it('says what was expected once per path, but keeps each message a codec gives (a file with several problems)', () => {
    assert.deepEqual(describeErrors(errorsOf(t.type({ id: t.union([t.string, t.number]) }), { id: true })), ['id: expected string']);
    const File = new t.Type<string, string, unknown>(
      'File',
      t.string.is,
      (u, c) =>
        t.failures([
          { value: u, context: c, message: 'a: unknown key' },
          { value: u, context: c, message: 'b: unclosed "{{"' },
        ]),
      String,
    );
    assert.deepEqual(describeErrors(errorsOf(t.type({ MAPPING_FILE: File }), { MAPPING_FILE: 'x' })), [
      'MAPPING_FILE: a: unknown key',
      'MAPPING_FILE: b: unclosed "{{"',
    ]);
  });

  it('summarizes the first few in one line and counts the rest', () => {
    const errors = errorsOf(Payload, { items: [{}, {}] });
    assert.equal(
      summarizeErrors(errors),
      'id: expected string; items.0.kind: expected "Message"; items.0.body: expected string (and 3 more)',
    );
    assert.equal(summarizeErrors(errors, { max: 6 }).includes('(and'), false);
  });
});
