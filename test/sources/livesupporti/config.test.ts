import { strict as assert } from 'node:assert';
import { isLeft, isRight } from 'fp-ts/Either';
import { describeErrors } from '../../../src/domain/codecs';
import { livesupportiSource, LiveSupportiConfigCodec } from '../../../src/sources/livesupporti';

const decode = (env: Record<string, string | undefined>) => LiveSupportiConfigCodec.decode(env);

describe('LiveSupporti configuration', () => {
  it('has working defaults when nothing is set', () => {
    const config = decode({});
    assert.ok(isRight(config));
    assert.deepEqual(config.right, { apiUrl: 'https://livesupporti.com', createLeads: true });
  });

  it('reads every key', () => {
    const config = decode({
      LIVESUPPORTI_WEBHOOK_SECRET: 'a'.repeat(32),
      LIVESUPPORTI_API_USER: 'agent@example.com',
      LIVESUPPORTI_API_KEY: 'key',
      LIVESUPPORTI_API_URL: 'http://127.0.0.1:4030/',
      LIVESUPPORTI_CREATE_LEADS: 'false',
    });
    assert.ok(isRight(config));
    assert.deepEqual(config.right, {
      webhookSecret: 'a'.repeat(32),
      apiUser: 'agent@example.com',
      apiKey: 'key',
      apiUrl: 'http://127.0.0.1:4030',
      createLeads: false,
    });
  });

  it('refuses a secret shorter than 32 or longer than 128 characters, naming the key but not the secret', () => {
    for (const secret of ['short-secret', 'x'.repeat(31), 'y'.repeat(129)]) {
      const config = decode({ LIVESUPPORTI_WEBHOOK_SECRET: secret });
      assert.ok(isLeft(config), secret);
      const lines = describeErrors(config.left);
      assert.match(lines.join('\n'), /^LIVESUPPORTI_WEBHOOK_SECRET: must be 32 to 128 characters/);
      assert.ok(!lines.join('\n').includes(secret));
    }
    assert.ok(isRight(decode({ LIVESUPPORTI_WEBHOOK_SECRET: 'z'.repeat(128) })));
  });

  it('lists every bad key at once', () => {
    const config = decode({ LIVESUPPORTI_WEBHOOK_SECRET: 'short', LIVESUPPORTI_API_URL: 'ftp://x', LIVESUPPORTI_CREATE_LEADS: 'maybe' });
    assert.ok(isLeft(config));
    const keys = describeErrors(config.left).map((l) => l.split(':')[0]);
    assert.deepEqual(keys.sort(), ['LIVESUPPORTI_API_URL', 'LIVESUPPORTI_CREATE_LEADS', 'LIVESUPPORTI_WEBHOOK_SECRET']);
  });

  it('is a source definition with its own token key', () => {
    assert.equal(livesupportiSource.name, 'livesupporti');
    assert.equal(livesupportiSource.tokenKey, 'LIVESUPPORTI_WEBHOOK_TOKEN');
    assert.ok(isRight(livesupportiSource.configure({})));
    assert.ok(isLeft(livesupportiSource.configure({ LIVESUPPORTI_WEBHOOK_SECRET: 'short' })));
  });
});
