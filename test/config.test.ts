import assert from 'node:assert/strict';
import { loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const loaded = loadConfig({});
    assert.ok(loaded.ok);
    const c = loaded.config;
    assert.equal(c.port, 3000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.publicUrl, 'http://localhost:3000');
    assert.deepEqual(c.database, { kind: 'sqlite', path: 'data/chat2crm.db' });
    assert.equal(c.crm, 'local');
    assert.equal(c.sources.find((x) => x.definition.name === 'olark')?.token, undefined);
    assert.deepEqual(c.routing, { defaultRecord: 'lead', caseTags: ['case', 'support'], caseGroups: [] });
    assert.equal(c.syncDeadlineMs, 8000);
    assert.deepEqual(c.retryScheduleMs, [5000, 30000, 120000, 600000, 1800000, 7200000, 21600000]);
    assert.equal(c.logLevel, 'info');
  });

  it('reads every core key', () => {
    const loaded = loadConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://chat.example.com/',
      DATABASE_URL: 'postgres://u:p@db:5432/c2c',
      CASE_TAGS: ' Billing , SUPPORT ',
      CASE_GROUPS: 'Help Desk',
      DEFAULT_RECORD: 'case',
      RETRY_SCHEDULE: '250ms, 1s,1m',
      OLARK_WEBHOOK_TOKEN: 'abcdefghijklmnop1234',
    });
    assert.ok(loaded.ok);
    assert.equal(loaded.config.publicUrl, 'https://chat.example.com');
    assert.deepEqual(loaded.config.database, { kind: 'postgres', url: 'postgres://u:p@db:5432/c2c' });
    assert.deepEqual(loaded.config.routing, { defaultRecord: 'case', caseTags: ['billing', 'support'], caseGroups: ['help desk'] });
    assert.deepEqual(loaded.config.retryScheduleMs, [250, 1000, 60000]);
    assert.equal(loaded.config.sources.find((x) => x.definition.name === 'olark')?.token, 'abcdefghijklmnop1234');
  });

  it('accepts a short token (start-up warns about it) but not one that breaks the URL path', () => {
    const short = loadConfig({ OLARK_WEBHOOK_TOKEN: 'secret' });
    assert.ok(short.ok);
    assert.equal(short.config.sources.find((x) => x.definition.name === 'olark')?.token, 'secret');
    assert.ok(!loadConfig({ OLARK_WEBHOOK_TOKEN: 'a b' }).ok);
  });

  it('lists every bad key at once', () => {
    const loaded = loadConfig({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      CRM: 'pipedrive',
      SYNC_DEADLINE_MS: '-1',
      RETRY_SCHEDULE: '5 parsecs',
      OLARK_WEBHOOK_TOKEN: 'with/slash',
    });
    assert.ok(!loaded.ok);
    const keys = loaded.errors.map((e) => e.split(':')[0]);
    for (const key of ['PORT', 'DATABASE_URL', 'CRM', 'SYNC_DEADLINE_MS', 'RETRY_SCHEDULE', 'OLARK_WEBHOOK_TOKEN'])
      assert.ok(keys.includes(key), `${key} in ${loaded.errors.join(' | ')}`);
    assert.ok(
      loaded.errors.some((e) => e.startsWith('CRM:') && e.includes('local')),
      'says which CRMs exist',
    );
  });

  describe('SOURCES', () => {
    const names = (env: Record<string, string>) => {
      const loaded = loadConfig(env);
      assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('; '));
      return loaded.config.sources.map((s) => s.definition.name);
    };

    it('serves every platform when unset or blank', () => {
      assert.deepEqual(names({}), ['olark', 'livechat', 'livesupporti', 'iadvize']);
      assert.deepEqual(names({ SOURCES: ' ' }), ['olark', 'livechat', 'livesupporti', 'iadvize']);
    });

    it('serves only the platforms named (any case, any spaces), and reads no key of the others', () => {
      assert.deepEqual(names({ SOURCES: ' IAdvize, olark ,' }), ['olark', 'iadvize']);
      assert.deepEqual(names({ SOURCES: 'olark', LIVECHAT_REGION: 'nowhere', LIVECHAT_WEBHOOK_TOKEN: 'has a space' }), ['olark']);
    });

    it('refuses an unknown name, listing the platforms', () => {
      const loaded = loadConfig({ SOURCES: 'olark,Zendesk,drift' });
      assert.ok(!loaded.ok);
      assert.deepEqual(loaded.errors, [
        'SOURCES: unknown platforms "zendesk", "drift"; the platforms are olark, livechat, livesupporti, iadvize (comma-separated; unset: all of them)',
      ]);
    });

    it('names the keys a platform still needs (the banner gives it one line until they are set)', () => {
      const loaded = loadConfig({ LIVESUPPORTI_WEBHOOK_SECRET: 's'.repeat(40) });
      assert.ok(loaded.ok);
      assert.deepEqual(
        loaded.config.sources.map((s) => [s.definition.name, s.unsetKeys]),
        [
          ['olark', []],
          ['livechat', ['LIVECHAT_WEBHOOK_SECRET']],
          ['livesupporti', []],
          ['iadvize', ['IADVIZE_WEBHOOK_SECRET']],
        ],
      );
    });
  });
});
