import { strict as assert } from 'node:assert';
import { errorCatalogue } from '../../../src/domain/errors';
import { verifySignature } from '../../../src/sources/livesupporti/signature';
import { buildBody, chatStarted, signBody } from '../../emulators/livesupporti';
import { fixturesOf } from '../../support/fixtures';
import { sourceRequest } from '../../support/requests';
import { SECRET } from './request';

const fixture = fixturesOf('livesupporti').bytes('chat-started-reconstructed.json');
const signed = (body: Buffer | string, signature: string | undefined) =>
  sourceRequest({ body, headers: signature === undefined ? {} : { 'ms-signature': signature } });

describe('LiveSupporti ms-signature', () => {
  const upper = signBody(fixture, SECRET);

  it('takes the uppercase hex the ASP.NET sender writes', () => {
    assert.match(upper, /^sha256=[0-9A-F]{64}$/);
    assert.equal(verifySignature(signed(fixture, upper), SECRET), undefined);
  });

  it('takes lowercase hex and any case of the sha256 key', () => {
    assert.equal(verifySignature(signed(fixture, upper.toLowerCase()), SECRET), undefined);
    assert.equal(verifySignature(signed(fixture, `SHA256=${upper.slice(7)}`), SECRET), undefined);
    assert.equal(verifySignature(signed(fixture, ` sha256 = ${upper.slice(7)} `), SECRET), undefined);
  });

  it('signs the exact bytes: the indented CRLF body verifies, the same JSON re-serialised does not', () => {
    const body = buildBody({ id: 'abc', attempt: 1, notifications: [chatStarted({ id: 'v1', email: 'ada@example.com' })] });
    assert.ok(body.includes('\r\n  "Attempt": 1'));
    const signature = signBody(body, SECRET);
    assert.equal(verifySignature(signed(body, signature), SECRET), undefined);
    const compact = JSON.stringify(JSON.parse(body));
    assert.equal(verifySignature(signed(compact, signature), SECRET)?.code, 'INVALID_SIGNATURE');
  });

  it('answers a wrong signature, a wrong secret or a changed body with INVALID_SIGNATURE (401)', () => {
    const wrongDigest = `sha256=${'0'.repeat(64)}`;
    const tampered = Buffer.from(fixture.toString('utf8').replace('jason@', 'mallory@'));
    for (const rejection of [
      verifySignature(signed(fixture, wrongDigest), SECRET),
      verifySignature(signed(fixture, signBody(fixture, `${SECRET}x`)), SECRET),
      verifySignature(signed(tampered, upper), SECRET),
    ]) {
      assert.equal(rejection?.code, 'INVALID_SIGNATURE');
      assert.equal(errorCatalogue[rejection.code].status, 401);
    }
  });

  it('answers a missing or malformed header with MISSING_SIGNATURE (400)', () => {
    const hex = upper.slice(7);
    for (const header of [
      undefined,
      '',
      'sha256',
      hex,
      `sha1=${hex}`,
      `sha256=${hex}=`,
      `sha256=${hex.slice(2)}`,
      `sha256=${hex}00`,
      `sha256=${hex.slice(1)}G`,
      `sha256=${Buffer.from(hex, 'hex').toString('base64')}`,
    ]) {
      const rejection = verifySignature(signed(fixture, header), SECRET);
      assert.equal(rejection?.code, 'MISSING_SIGNATURE', String(header));
      assert.equal(errorCatalogue[rejection.code].status, 400);
    }
  });

  it('refuses everything while the secret is unset', () => {
    assert.equal(verifySignature(signed(fixture, upper), undefined)?.code, 'WEBHOOK_SECRET_NOT_SET');
    assert.equal(verifySignature(signed(fixture, undefined), undefined)?.code, 'WEBHOOK_SECRET_NOT_SET');
  });
});
