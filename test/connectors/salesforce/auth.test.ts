import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyFor } from '../../../connectors/salesforce/client';
import { connectorFor, conversation, failure, sandbox, value, type Sandbox } from './support';

describe('Salesforce connector: sessions and grants', () => {
  let s: Sandbox;
  afterEach(() => s.emulator.close());

  it('refreshes an expired session once and succeeds', async () => {
    s = await sandbox();
    const chat = conversation({ email: 'a@example.com' });
    value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    s.emulator.faults.expireSessions();
    const before = s.emulator.requests.length;
    value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    const after = s.emulator.requests.slice(before).map((r) => `${r.kind} ${r.status}`);
    assert.deepEqual(after, ['api 401', 'token 200', 'api 200', 'api 200']);
  });

  it('shares one refresh between concurrent calls', async () => {
    s = await sandbox();
    value(await s.connector.findPerson('x@example.com'));
    s.emulator.faults.expireSessions();
    await Promise.all([1, 2, 3].map(() => s.connector.findPerson('x@example.com').then(value)));
    assert.equal(s.emulator.tokenRequests().length, 2);
  });

  it('turns a failing refresh into a permanent error that names the keys, without looping', async () => {
    s = await sandbox();
    value(await s.connector.findPerson('x@example.com'));
    s.emulator.faults.expireSessions();
    s.emulator.faults.tokenError = { status: 400, error: 'invalid_grant', description: 'expired access/refresh token' };
    const f = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([f.kind, f.code], ['permanent', 'CRM_UNAUTHORIZED']);
    assert.match(f.message, /client credentials.*invalid_grant.*SALESFORCE_CLIENT_ID/);
    assert.equal(s.emulator.tokenRequests().length, 2);
  });

  it('stops after one refresh when Salesforce keeps answering 401 to fresh tokens (jsforce#1168)', async () => {
    s = await sandbox();
    s.emulator.faults.rejectSessions = true;
    const f = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([f.kind, f.code], ['permanent', 'CRM_UNAUTHORIZED']);
    assert.equal(s.emulator.tokenRequests().length, 2, 'the login and exactly one refresh');
    assert.equal(s.emulator.apiRequests().length, 2);
  });

  it('logs in with the password, refresh token and JWT bearer grants', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    s = await sandbox({ jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const { clientId, clientSecret, username, password, refreshToken } = s.emulator.credentials;
    const keyFile = join(mkdtempSync(join(tmpdir(), 'sf-jwt-')), 'server.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const base = { SALESFORCE_LOGIN_URL: s.emulator.url };
    const envs = [
      {
        ...base,
        SALESFORCE_CLIENT_ID: clientId,
        SALESFORCE_CLIENT_SECRET: clientSecret,
        SALESFORCE_USERNAME: username,
        SALESFORCE_PASSWORD: password,
      },
      { ...base, SALESFORCE_CLIENT_ID: clientId, SALESFORCE_REFRESH_TOKEN: refreshToken },
      { ...base, SALESFORCE_CLIENT_ID: clientId, SALESFORCE_USERNAME: username, SALESFORCE_PRIVATE_KEY_FILE: keyFile },
    ];
    for (const env of envs) value(await connectorFor(env).findPerson('x@example.com'));
    assert.deepEqual(
      s.emulator.tokenRequests().map((r) => `${r.grant ?? ''} ${r.status}`),
      ['password 200', 'refresh_token 200', 'urn:ietf:params:oauth:grant-type:jwt-bearer 200'],
    );
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(keyFile, wrongKey);
    const f = failure(await connectorFor(envs[2] ?? {}).findPerson('x@example.com'));
    assert.match(f.message, /JWT bearer.*invalid_grant/);
    const missing = failure(
      await connectorFor({ ...(envs[2] ?? {}), SALESFORCE_PRIVATE_KEY_FILE: `${keyFile}.missing` }).findPerson('x@example.com'),
    );
    assert.deepEqual([missing.code, /ENOENT/.test(missing.message)], ['CRM_CONFIG', true]);
  });

  it('treats an unreachable login server as transient', async () => {
    s = await sandbox();
    const url = s.emulator.url;
    await s.emulator.close();
    const f = failure(
      await connectorFor({ SALESFORCE_LOGIN_URL: url, SALESFORCE_CLIENT_ID: 'a', SALESFORCE_CLIENT_SECRET: 'b' }).findPerson(
        'x@example.com',
      ),
    );
    assert.deepEqual([f.kind, f.code], ['transient', 'CRM_UNAVAILABLE']);
    s = await sandbox();
  });
});

describe('Salesforce connector: proxies', () => {
  it('bypasses HTTP(S)_PROXY for loopback and NO_PROXY hosts, which jsforce alone does not', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'internal.example,.corp.example' };
    assert.equal(proxyFor('http://127.0.0.1:4020/services/oauth2/token', env), undefined);
    assert.equal(proxyFor('https://a.corp.example/x', env), undefined);
    assert.equal(proxyFor('https://internal.example/x', env), undefined);
    assert.equal(proxyFor('https://acme.my.salesforce.com/x', env), 'http://proxy:3128');
    assert.equal(proxyFor('https://acme.my.salesforce.com/x', {}), undefined);
  });
});
