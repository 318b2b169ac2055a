import assert from 'node:assert/strict';
import { isLeft, isRight } from 'fp-ts/Either';
import * as t from 'io-ts';
import { foreignPrototypeAt, parseJsonSafe } from '../../src/domain/json';

const parsed = (text: string): unknown => {
  const result = parseJsonSafe(text);
  if (isLeft(result)) assert.fail(JSON.stringify(result.left));
  return result.right;
};

describe('parseJsonSafe', () => {
  it('keeps __proto__, constructor and prototype as own keys, never as a prototype', () => {
    const value = parsed('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"x": 1}}, "prototype": 2}');
    assert.ok(typeof value === 'object' && value !== null);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__', 'constructor', 'prototype']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { polluted: 1 });
    assert.equal(({} as { polluted?: number }).polluted, undefined, 'Object.prototype untouched');
    assert.equal(foreignPrototypeAt(value), undefined);
  });

  it('refuses nesting deeper than the limit without parsing it, and counts brackets inside strings as text', () => {
    const deep = parseJsonSafe(`${'['.repeat(65)}${']'.repeat(65)}`, 'data field');
    assert.ok(isLeft(deep));
    assert.deepEqual(deep.left, { code: 'INVALID_PAYLOAD', detail: 'data field: nested deeper than 64 levels.' });
    assert.ok(isRight(parseJsonSafe(`${'['.repeat(64)}${']'.repeat(64)}`)));
    assert.ok(isRight(parseJsonSafe(JSON.stringify({ text: '[[[[{{{{'.repeat(100), quote: '\\"[[[' }))));
  });

  it('decides nesting as a character-by-character scan would, on texts full of quotes and backslashes', () => {
    // The plain scan the quicker one (strings skipped with indexOf) must agree with.
    const deeperByScan = (text: string, max: number): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (inString) {
          if (ch === '\\') i++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '{' || ch === '[') {
          if (++depth > max) return true;
        } else if (ch === '}' || ch === ']') depth--;
      }
      return false;
    };
    const alphabet = ['[', '[', '{', ']', '}', '"', '\\', 'a'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join('');
      const result = parseJsonSafe(text, 'body', 3);
      assert.equal(isLeft(result) && result.left.code === 'INVALID_PAYLOAD', deeperByScan(text, 3), JSON.stringify(text));
    }
  });

  it('says where JSON breaks without quoting the text', () => {
    for (const text of ['Ada Lovelace', '{"name": "Ada", ada@example.com}', '', `[${'Ada '.repeat(100)}]`]) {
      const result = parseJsonSafe(text);
      assert.ok(isLeft(result));
      assert.equal(result.left.code, 'MALFORMED_JSON');
      assert.ok(!/Ada|da L|ada@/.test(result.left.detail ?? ''), result.left.detail);
    }
    const located = parseJsonSafe('{"a": 1,}');
    assert.ok(isLeft(located));
    assert.match(located.left.detail ?? '', /^body: .* at position 8 \(line 1 column 9\)$/);
  });
});

describe('foreignPrototypeAt', () => {
  it('finds the object whose prototype came from data, as io-ts makes it when it copies a __proto__ key', () => {
    const Trimmed = new t.Type<string, string, unknown>(
      'Trimmed',
      t.string.is,
      (u, c) => (typeof u === 'string' ? t.success(u.trim()) : t.failure(u, c)),
      String,
    );
    const Payload = t.type({ id: Trimmed, items: t.array(t.intersection([t.type({ body: Trimmed }), t.partial({ author: t.string })])) });
    const decoded = Payload.decode(parsed('{"id": " x ", "items": [{"body": " hi ", "__proto__": {"author": 42}}]}'));
    assert.ok(isRight(decoded));
    assert.equal(foreignPrototypeAt(decoded.right), 'items.0');
    assert.equal(foreignPrototypeAt({ at: new Date(), list: [1, { a: null }] }), undefined);
    assert.equal(foreignPrototypeAt(Object.create({ inherited: 1 })), '(root)');
  });
});
