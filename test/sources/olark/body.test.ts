import assert from 'node:assert/strict';
import type { Either } from 'fp-ts/Either';
import type { ErrorCode } from '../../../src/domain/errors';
import type { Rejection } from '../../../src/domain/source';
import { formField, readOlarkBody } from '../../../src/sources/olark/body';
import { formBody } from './fixtures';

const FORM = 'application/x-www-form-urlencoded';

const valueOf = (result: Either<Rejection, unknown>): unknown => {
  if (result._tag === 'Left') throw new Error(`${result.left.code}: ${result.left.detail ?? ''}`);
  return result.right;
};

const errorOf = (result: Either<Rejection, unknown>, code: ErrorCode): Rejection => {
  if (result._tag === 'Right') assert.fail(`expected ${code}, got ${JSON.stringify(result.right)}`);
  assert.equal(result.left.code, code);
  return result.left;
};

describe('readOlarkBody', () => {
  it('reads the data field of a form body, turning + into spaces and %xx into characters', () => {
    // Captured wire format (snowplow/enrich OlarkAdapterSpec): Python-style separators, spaces as `+`.
    const raw = Buffer.from('data=%7B%22kind%22%3A+%22Conversation%22%2C+%22body%22%3A+%22caf%C3%A9+%2B+tea%22%7D');
    assert.deepEqual(valueOf(readOlarkBody(raw, FORM)), { kind: 'Conversation', body: 'café + tea' });
  });

  it('reads a form body built with encodeURIComponent, next to other fields', () => {
    const raw = Buffer.from(`other=1&${formBody(JSON.stringify({ a: 'x y&z=1' })).toString()}`);
    assert.deepEqual(valueOf(readOlarkBody(raw, `${FORM}; charset=UTF-8`)), { a: 'x y&z=1' });
  });

  it('reads a raw JSON body, with or without charset', () => {
    const raw = Buffer.from('{"id": "abc", "n": 1}');
    assert.deepEqual(valueOf(readOlarkBody(raw, 'application/json')), { id: 'abc', n: 1 });
    assert.deepEqual(valueOf(readOlarkBody(raw, 'Application/JSON; charset=utf-8')), { id: 'abc', n: 1 });
  });

  it('answers MISSING_DATA_FIELD for a form without data', () => {
    errorOf(readOlarkBody(Buffer.from('transcript=%7B%7D'), FORM), 'MISSING_DATA_FIELD');
    errorOf(readOlarkBody(Buffer.from(''), FORM), 'MISSING_DATA_FIELD');
  });

  it('answers MALFORMED_JSON and says where, for bad JSON in the data field', () => {
    const error = errorOf(readOlarkBody(Buffer.from('data=%7B%22kind%22%3A'), FORM), 'MALFORMED_JSON');
    assert.match(error.detail ?? '', /data field: .*JSON/);
    errorOf(readOlarkBody(Buffer.from('data='), FORM), 'MALFORMED_JSON');
  });

  it('answers MALFORMED_JSON for a bad raw JSON body, saying where', () => {
    const atPosition = errorOf(readOlarkBody(Buffer.from('{"id" 1}'), 'application/json'), 'MALFORMED_JSON');
    assert.match(atPosition.detail ?? '', /body: .*line 1 column 7/);
    const quoted = errorOf(readOlarkBody(Buffer.from('{"id": }'), 'application/json'), 'MALFORMED_JSON');
    assert.match(quoted.detail ?? '', /body: Unexpected token '\}'/);
  });

  it('keeps the JSON error short even for a huge body', () => {
    const error = errorOf(readOlarkBody(Buffer.from(`{"a": ${'x'.repeat(100_000)}}`), 'application/json'), 'MALFORMED_JSON');
    assert.ok((error.detail ?? '').length < 400, `message is ${(error.detail ?? '').length} characters`);
  });

  it('answers MALFORMED_BODY for a JSON body that is not UTF-8', () => {
    errorOf(readOlarkBody(Buffer.from([0x7b, 0xff, 0x7d]), 'application/json'), 'MALFORMED_BODY');
  });

  for (const contentType of [undefined, '', 'text/plain', 'multipart/form-data; boundary=x', 'not a type;;', 'application/xml']) {
    it(`answers UNSUPPORTED_CONTENT_TYPE for ${JSON.stringify(contentType)}`, () => {
      errorOf(readOlarkBody(Buffer.from('data=%7B%7D'), contentType), 'UNSUPPORTED_CONTENT_TYPE');
    });
  }

  it('answers UNSUPPORTED_CONTENT_TYPE for a charset other than UTF-8', () => {
    const error = errorOf(readOlarkBody(Buffer.from('{}'), 'application/json; charset=iso-8859-1'), 'UNSUPPORTED_CONTENT_TYPE');
    assert.match(error.detail ?? '', /iso-8859-1/);
    errorOf(readOlarkBody(Buffer.from('data=%7B%7D'), `${FORM}; charset=utf-16`), 'UNSUPPORTED_CONTENT_TYPE');
  });
});

describe('formField', () => {
  it('reads a field exactly as URLSearchParams does, whatever the form holds', () => {
    const forms = [
      'data=%7B%22a%22%3A1%7D',
      'data=a+b%2Bc',
      'other=1&data=x&data=y',
      'd%61ta=first&data=second',
      '&&data=&x',
      'data',
      'x=1&data',
      '?data=q',
      '??data=q',
      'data=100%',
      'data=%zz%41',
      'data=%C3%A9%C3',
      'data=%ED%A0%80',
      'data=%EF%BB%BFbom',
      'x=%zz&data=ok',
      'data=caf\u00e9=1&data=2',
      'data=%F0%9F%98%80+%E2%82%AC',
      'nodata=1',
      '',
      '=&=data&data==',
    ];
    for (const form of forms) assert.equal(formField(form, 'data'), new URLSearchParams(form).get('data'), form);
  });
});
