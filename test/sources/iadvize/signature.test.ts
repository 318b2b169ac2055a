import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sign, toForm } from '../../emulators/iadvize';
import { SECRET, fixtureBytes, requestOf, sourceFor } from './support';

const source = sourceFor({ IADVIZE_WEBHOOK_SECRET: SECRET });
const body = fixtureBytes('v2-conversation.closed-docs.json');

describe('iAdvize signatures', () => {
  it('accepts sha256=<hex> of the raw JSON body, in either hex case', () => {
    assert.equal(source.verify(requestOf({ body })), undefined);
    assert.equal(source.verify(requestOf({ body, signature: sign(SECRET, body).toUpperCase().replace('SHA256=', 'sha256=') })), undefined);
  });

  it('accepts a form-encoded body signed over its raw bytes', () => {
    const form = toForm({ eventId: 'e', eventType: 'v2.conversation.closed', conversationId: 'c', operatorIds: [1, 2] });
    assert.equal(source.verify(requestOf({ body: form, contentType: 'application/x-www-form-urlencoded' })), undefined);
  });

  it('refuses a body changed after signing (401), even by one byte or re-serialised', () => {
    const signature = sign(SECRET, body);
    const reserialised = JSON.stringify(JSON.parse(body.toString('utf8')), null, 2);
    assert.equal(source.verify(requestOf({ body: reserialised, signature }))?.code, 'INVALID_SIGNATURE');
    const flipped = Buffer.from(body);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    assert.equal(source.verify(requestOf({ body: flipped, signature }))?.code, 'INVALID_SIGNATURE');
  });

  it('refuses another secret (401)', () => {
    assert.equal(source.verify(requestOf({ body, signature: sign('other-secret', body) }))?.code, 'INVALID_SIGNATURE');
  });

  it('answers 400 to a missing or malformed header', () => {
    for (const signature of [null, '', 'sha256=', 'sha256=xyz', `sha1=${'a'.repeat(40)}`, 'a'.repeat(64), `sha256=${'a'.repeat(63)}`]) {
      assert.equal(source.verify(requestOf({ body, signature }))?.code, 'MISSING_SIGNATURE', String(signature));
    }
  });

  it('refuses everything while IADVIZE_WEBHOOK_SECRET is unset', () => {
    assert.equal(sourceFor({}).verify(requestOf({ body }))?.code, 'WEBHOOK_SECRET_NOT_SET');
  });

  it('signs a GET over the raw query string as received, not re-encoded', () => {
    const query = 'emailVisitor=vera%2Bcrm%40example.com&idWebsite=ha-123&name=a+b';
    const signature = `sha256=${createHmac('sha256', SECRET).update(query).digest('hex')}`;
    assert.equal(source.verify(requestOf({ method: 'GET', query, signature })), undefined);
    const reencoded = new URLSearchParams(query).toString().replace('%40', '@');
    assert.notEqual(reencoded, query);
    assert.equal(source.verify(requestOf({ method: 'GET', query: reencoded, signature }))?.code, 'INVALID_SIGNATURE');
  });

  it('signs an empty GET query as the empty string', () => {
    assert.equal(source.verify(requestOf({ method: 'GET', query: '', signature: sign(SECRET, '') })), undefined);
  });
});
