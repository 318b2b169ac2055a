import assert from 'node:assert/strict';
import { isLeft, isRight } from 'fp-ts/Either';
import * as t from 'io-ts';
import { DataRecord, UrlSafeId, WellFormedText, describeErrors, knownKeys } from '../../src/domain/codecs';
import { foreignPrototypeAt } from '../../src/domain/json';

const Trimmed = new t.Type<string, string, unknown>(
  'Trimmed',
  t.string.is,
  (u, c) => (typeof u === 'string' ? t.success(u.trim()) : t.failure(u, c)),
  String,
);
const own = (key: string, value: unknown): unknown => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}, "id": " a "}`);

describe('describeErrors', () => {
  it('names the path and the expected type, never the value (it may be an email or a phone number)', () => {
    const Row = t.type({ visitor: t.type({ email: t.string, phone: t.number }) });
    const decoded = Row.decode({ visitor: { email: 42, phone: '+44 20 7946 0000' } });
    assert.ok(isLeft(decoded));
    const lines = describeErrors(decoded.left);
    assert.deepEqual(lines, ['visitor.email: expected string', 'visitor.phone: expected number']);
    assert.ok(!lines.join('\n').includes('7946'));
    const email = t.type({ n: t.number }).decode({ n: 'ada@example.com' });
    assert.ok(isLeft(email));
    assert.ok(!describeErrors(email.left).join('').includes('ada@example.com'));
  });
});

describe('knownKeys', () => {
  it('drops keys the codec does not name before io-ts copies the object, so __proto__ never becomes a prototype', () => {
    const Plain = t.intersection([t.type({ id: Trimmed }), t.partial({ name: t.string })]);
    const Safe = knownKeys(Plain);
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const input = own(key, { name: 42 });
      const decoded = Safe.decode(input);
      assert.ok(isRight(decoded), key);
      assert.deepEqual(decoded.right, { id: 'a' });
      assert.equal(foreignPrototypeAt(decoded.right), undefined, key);
    }
    // What it guards against: the bare intersection turns the key into a prototype.
    const bare = Plain.decode(own('__proto__', { name: 42 }));
    assert.ok(isRight(bare));
    assert.equal(foreignPrototypeAt(bare.right), '(root)');
  });

  it('keeps io-ts error paths and refuses a codec that is not an object codec', () => {
    const decoded = knownKeys(t.type({ items: t.array(knownKeys(t.type({ body: t.string }))) })).decode({ items: [{ body: 1 }] });
    assert.ok(isLeft(decoded));
    assert.deepEqual(describeErrors(decoded.left), ['items.0.body: expected string']);
    assert.throws(() => knownKeys(t.string), /takes a t.type, a t.partial/);
  });
});

describe('DataRecord', () => {
  it('keeps every key of a map as data, __proto__ included, and validates keys and values', () => {
    const Map = DataRecord(knownKeys(t.partial({ name: Trimmed })), UrlSafeId('Key'));
    const decoded = Map.decode(JSON.parse('{"__proto__": {"name": " CEO "}, "constructor": {}, "7": {"name": "Ann"}}'));
    assert.ok(isRight(decoded));
    assert.deepEqual(Object.keys(decoded.right).sort(), ['7', '__proto__', 'constructor']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(decoded.right, '__proto__')?.value, { name: 'CEO' });
    assert.equal(Object.getPrototypeOf(decoded.right), Object.prototype);
    const bad = Map.decode({ 'a\ud800': {}, b: { name: 3 } });
    assert.ok(isLeft(bad));
    assert.deepEqual(describeErrors(bad.left), [
      'a\ud800: expected well-formed text (it has a lone UTF-16 surrogate)',
      'b.name: expected Trimmed',
    ]);
  });
});

describe('UrlSafeId and WellFormedText', () => {
  it('refuses ids a URL or a CRM key cannot carry, trimmed ids pass', () => {
    const Id = UrlSafeId('Id', 8);
    assert.deepEqual(Id.decode(' abc '), { _tag: 'Right', right: 'abc' });
    for (const bad of ['', '  ', 'abc\ud800', '\udc00', 'a\u0000b', 'a\nb', 'a\u009fb', 'x'.repeat(9), 7, null])
      assert.ok(isLeft(Id.decode(bad)), JSON.stringify(bad));
    assert.ok(isRight(Id.decode('😀/é?#')), 'paired surrogates and URL syntax are fine: they are encoded');
  });

  it('repairs lone surrogates in free text as U+FFFD', () => {
    assert.deepEqual(WellFormedText.decode('a\ud800b'), { _tag: 'Right', right: 'a\ufffdb' });
    assert.deepEqual(WellFormedText.decode('😀\n'), { _tag: 'Right', right: '😀\n' });
    assert.ok(isLeft(WellFormedText.decode(1)));
  });
});
