/**
 * The items codec's quick path (src/sources/olark/codec.ts) must give what the item codecs give:
 * the same values for every item they accept, and their errors for anything they refuse.
 */
import assert from 'node:assert/strict';
import * as t from 'io-ts';
import { parseJsonSafe } from '../../../src/domain/json';
import { OlarkItem, OlarkItems } from '../../../src/sources/olark/codec';
import { summarizeErrors } from '../../../src/domain/decode-errors';
import { fixtureJson, fixtureNames } from './fixtures';

const reference = t.array(OlarkItem);

/** Both decodings of `items`, compared: values when accepted, the described errors when refused. */
const assertSame = (items: unknown, label: string) => {
  const quick = OlarkItems.decode(items);
  const slow = reference.decode(items);
  if (slow._tag === 'Right') {
    assert.equal(quick._tag, 'Right', label);
    assert.deepStrictEqual(quick._tag === 'Right' ? quick.right : undefined, slow.right, label);
  } else {
    assert.equal(quick._tag, 'Left', label);
    assert.equal(quick._tag === 'Left' ? summarizeErrors(quick.left, { max: 100 }) : '', summarizeErrors(slow.left, { max: 100 }), label);
  }
};

/** Parsed as a webhook body is, so `__proto__` stays an own key. */
const json = (text: string): unknown => {
  const parsed = parseJsonSafe(text);
  if (parsed._tag === 'Left') throw new Error(parsed.left.detail);
  return parsed.right;
};

describe('Olark items: the quick path and the item codecs agree', () => {
  it('on every fixture', () => {
    for (const name of fixtureNames()) assertSame(fixtureJson(name)['items'], name);
  });

  it('on odd but valid items, and on items the codecs refuse', () => {
    const base = { body: 'hi', timestamp: '1558107786.341602' };
    const cases: Record<string, unknown>[] = [
      { kind: 'MessageToVisitor', ...base, nickname: '  Grace  ', operatorId: 1029431 },
      { kind: 'messagetovisitor', ...base, nickname: '', operatorId: null },
      { kind: ' MESSAGETOOPERATOR ', ...base, nickname: null, visitor_nickname: 'Ada', visitorNickname: '  ', extra: 1 },
      { kind: 'MessageToOperator', ...base, operatorId: 'not read for this kind', timestamp: 1558107786 },
      { kind: 'OfflineMessage', ...base, nickname: 42 },
      { kind: 'MessageToVisitor', body: 'lone \ud800 surrogate', timestamp: ' 1558107786 ' },
      { kind: 'SomethingNew', body: 'kept as a system line', timestamp: '1558107786.1' },
      { kind: 'MessageToVisitor', ...base, operatorId: 'has\u0007control' },
      { kind: 'MessageToVisitor', ...base, operatorId: 'x'.repeat(129) },
      { kind: 'MessageToOperator', ...base, nickname: 7 },
      { kind: 'MessageToOperator', body: 'no time' },
      { kind: 'MessageToOperator', body: 3, timestamp: '1558107786' },
      { kind: 'MessageToOperator', body: 'bad time', timestamp: 'yesterday' },
      { kind: 7, body: 'kind not a string', timestamp: '1558107786' },
    ];
    for (const item of cases) {
      assertSame([item], JSON.stringify(item));
      // Among valid messages too: a bad item anywhere takes the whole array to the codecs.
      assertSame(
        [{ kind: 'MessageToVisitor', ...base }, item, { kind: 'MessageToOperator', ...base }],
        `in a list: ${JSON.stringify(item)}`,
      );
    }
    assertSame('not an array', 'a string');
    assertSame([null, 'text'], 'not objects');
  });

  it('with __proto__, constructor and prototype keys in items', () => {
    for (const key of ['__proto__', 'constructor', 'prototype'])
      for (const text of [
        `[{"kind":"MessageToOperator","body":"hi","timestamp":"1558107786","${key}":{"nickname":"Forged","body":"forged"}}]`,
        `[{"kind":"MessageToVisitor","${key}":{"body":"forged","timestamp":"1558107786"}}]`,
      ])
        assertSame(json(text), text);
  });
});
