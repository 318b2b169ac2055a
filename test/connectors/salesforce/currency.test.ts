/**
 * Keeping up with Salesforce: a current API version (jsforce alone would send 50.0), the
 * username-password grant that stops on 20 February 2027 (one warning at start and in
 * `npm run setup`, with the migration), and SOAP login(), retired in Summer '27, never called.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isLeft } from 'fp-ts/Either';
import { Connection } from 'jsforce';
import { SalesforceConfigCodec, salesforceConnector } from '../../../connectors/salesforce';
import { createSalesforceConnector } from '../../../connectors/salesforce/connector';
import { describeErrors } from '../../../src/domain/codecs';
import type { Log } from '../../../src/domain/log';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulators/salesforce';
import { freePort } from '../../support/net';
import { configFor, connectorFor, conversation, noLocalRecords, sandbox, value, type Sandbox } from './support';

const ROOT = resolve(__dirname, '../../..');

/** A Log that keeps what it is told, as pino would print it: level, fields, message. */
const recordingLog = () => {
  const lines: { level: string; fields: object; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message?: string): void =>
      void lines.push({ level, fields, message: message ?? '' });
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return { log, lines };
};

/** The keys of the username-password grant against an emulator, with values a leak would show. */
const passwordEnv = (emulator: SalesforceEmulator): Record<string, string> => ({
  SALESFORCE_LOGIN_URL: emulator.url,
  SALESFORCE_CLIENT_ID: emulator.credentials.clientId,
  SALESFORCE_CLIENT_SECRET: emulator.credentials.clientSecret,
  SALESFORCE_USERNAME: emulator.credentials.username,
  SALESFORCE_PASSWORD: emulator.credentials.password,
});

const assertNoSecret = (text: string, emulator: SalesforceEmulator) => {
  for (const secret of [
    emulator.credentials.password,
    emulator.credentials.clientSecret,
    emulator.credentials.username,
    emulator.credentials.refreshToken,
  ])
    assert.ok(!text.includes(secret), `the output holds a credential (${secret.slice(0, 3)}…)`);
};

/** Runs a script of ours as npm would, with only the given keys of ours set; kills it by its pid once `done` says so. */
const run = (
  args: readonly string[],
  env: Record<string, string>,
  done?: (output: string) => boolean,
): Promise<{ code: number | null; output: string }> =>
  new Promise((finish, reject) => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(SALESFORCE_|HUBSPOT_|CRM$|DATABASE_URL$|PORT$|LOG_LEVEL$)/.test(key)),
    );
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), args, { cwd: ROOT, env: { ...inherited, ...env } });
    let output = '';
    let stopping = false;
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (!stopping && done?.(output) === true) {
        stopping = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => finish({ code, output }));
  });

const count = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

describe('Salesforce: the API version', () => {
  let s: Sandbox;
  afterEach(() => s.emulator.close());

  it('defaults to 67.0 and sends it on every call (jsforce alone would send 50.0)', async () => {
    s = await sandbox();
    value(await s.connector.upsert({ action: 'lead', conversation: conversation({ email: 'v@example.com' }) }));
    value(await s.connector.upsert({ action: 'case', conversation: conversation() }));
    const paths = s.emulator.apiRequests().flatMap((r) => [r.path, ...(r.subrequests ?? []).map((sub) => sub.url.split('?')[0] ?? '')]);
    assert.ok(paths.length >= 4);
    for (const path of paths) assert.match(path, /^\/services\/data\/v67\.0\//);
  });

  it('checks the format of SALESFORCE_API_VERSION at start, and takes 66, v68.0 as 66.0, 68.0', () => {
    const errorsOf = (version: string) => {
      const decoded = SalesforceConfigCodec.decode({
        SALESFORCE_CLIENT_ID: 'id',
        SALESFORCE_CLIENT_SECRET: 's',
        SALESFORCE_API_VERSION: version,
      });
      return isLeft(decoded) ? describeErrors(decoded.left) : [];
    };
    for (const bad of ['latest', '67.5', '45.0', '6', '67.0.1', 'v', '']) {
      if (bad === '') continue; // empty is "unset": the default applies
      assert.match(
        errorsOf(bad)[0] ?? '',
        /^SALESFORCE_API_VERSION: must be a Salesforce API version such as 67\.0 \(46\.0 or later; `npm run setup` shows the newest your org serves\)/,
        bad,
      );
    }
    assert.equal(configFor({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 's', SALESFORCE_API_VERSION: '66' }).apiVersion, '66.0');
    assert.equal(
      configFor({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 's', SALESFORCE_API_VERSION: ' v68.0 ' }).apiVersion,
      '68.0',
    );
    assert.equal(configFor({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 's', SALESFORCE_API_VERSION: '' }).apiVersion, '67.0');
  });

  it("check() reports the org's newest version beside the one configured, and fails one the org does not serve", async () => {
    s = await sandbox({ newestVersion: '68.0' });
    const item = async (env: Record<string, string>) =>
      (await connectorFor({ ...s.env, ...env }).check()).items.find((i) => i.name === 'API version');
    assert.deepEqual(await item({}), { name: 'API version', ok: true, detail: "67.0 configured; the org's newest is 68.0 (Winter '27)" });
    assert.deepEqual(await item({ SALESFORCE_API_VERSION: '68.0' }), {
      name: 'API version',
      ok: true,
      detail: "68.0 configured, the org's newest",
    });
    await s.emulator.close();

    s = await sandbox({ newestVersion: '66.0' });
    const report = await s.connector.check();
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.items.find((i) => i.name === 'API version'),
      {
        name: 'API version',
        ok: false,
        detail: "SALESFORCE_API_VERSION=67.0 is not served by this org, whose newest is 66.0 (Spring '26): set SALESFORCE_API_VERSION=66.0",
      },
    );
  });
});

describe('Salesforce: the username-password grant (retired 20 February 2027)', () => {
  let emulator: SalesforceEmulator;
  beforeEach(async () => {
    emulator = await startSalesforceEmulator();
  });
  afterEach(() => emulator.close());

  it('warns once, at warn level, when the connector is made: the date and the migration steps, no secret', async () => {
    const { log, lines } = recordingLog();
    const configure = salesforceConnector.configure(passwordEnv(emulator));
    if (isLeft(configure)) throw new Error('password keys do not decode');
    // What start-up does: the registry's factory, with the service's log.
    const connector = await configure.right({ log, publicUrl: 'http://localhost:3000', localRecords: noLocalRecords });
    value(await connector.upsert({ action: 'lead', conversation: conversation({ email: 'p@example.com' }) }));
    assert.equal(lines.length, 1, JSON.stringify(lines));
    const [warning] = lines;
    assert.equal(warning?.level, 'warn');
    assert.deepEqual(warning?.fields, { grant: 'password' });
    const text = warning?.message ?? '';
    for (const step of [
      /username-password grant \(SALESFORCE_USERNAME \+ SALESFORCE_PASSWORD\) stops working on 20 February 2027/,
      /External Client App Manager → New External Client App/,
      /Enable Client Credentials Flow/,
      /Run As to the integration user/,
      /SALESFORCE_LOGIN_URL to your My Domain URL/,
      /remove SALESFORCE_USERNAME and SALESFORCE_PASSWORD, then run `npm run setup`/,
    ])
      assert.match(text, step);
    assertNoSecret(JSON.stringify(lines), emulator);
  });

  it('says nothing for the client credentials, JWT bearer and refresh token grants; a leftover SALESFORCE_PASSWORD is named', () => {
    const made = (env: Record<string, string>) => {
      const { log, lines } = recordingLog();
      createSalesforceConnector(configFor({ SALESFORCE_LOGIN_URL: emulator.url, SALESFORCE_CLIENT_ID: 'id', ...env }), {
        log,
        publicUrl: 'http://localhost:3000',
      });
      return lines.map((l) => `${l.level}: ${l.message}`);
    };
    assert.deepEqual(made({ SALESFORCE_CLIENT_SECRET: 's' }), []);
    assert.deepEqual(made({ SALESFORCE_USERNAME: 'u@example.com', SALESFORCE_PRIVATE_KEY_FILE: '/k.pem' }), []);
    assert.deepEqual(made({ SALESFORCE_REFRESH_TOKEN: 'rt' }), []);
    assert.deepEqual(
      made({ SALESFORCE_USERNAME: 'u@example.com', SALESFORCE_PRIVATE_KEY_FILE: '/k.pem', SALESFORCE_PASSWORD: 'hunter2' }),
      [
        'warn: Salesforce: SALESFORCE_PASSWORD is set but not used (the JWT bearer grant is); remove it: the username-password grant stops working on 20 February 2027.',
      ],
    );
  });

  it('never calls SOAP login(), whichever grant is configured (the emulator logs any SOAP call)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await emulator.close();
    emulator = await startSalesforceEmulator({ jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const dir = mkdtempSync(join(tmpdir(), 'sf-soap-'));
    const keyFile = join(dir, 'server.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const { clientId, clientSecret, username, refreshToken } = emulator.credentials;
    const base = { SALESFORCE_LOGIN_URL: emulator.url, SALESFORCE_CLIENT_ID: clientId };
    try {
      for (const env of [
        { ...base, SALESFORCE_CLIENT_SECRET: clientSecret },
        passwordEnv(emulator),
        { ...base, SALESFORCE_REFRESH_TOKEN: refreshToken },
        { ...base, SALESFORCE_USERNAME: username, SALESFORCE_PRIVATE_KEY_FILE: keyFile },
      ]) {
        const connector = connectorFor(env);
        value(await connector.upsert({ action: 'lead', conversation: conversation() }));
        assert.equal((await connector.check()).items[0]?.ok, true);
      }
      // Expired sessions are renewed through the token endpoint too, never SOAP.
      emulator.faults.expireSessions();
      value(await connectorFor(passwordEnv(emulator)).findPerson('x@example.com'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(
      [...new Set(emulator.tokenRequests().map((r) => r.grant))],
      ['client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    );
    assert.deepEqual(emulator.soapRequests(), []);
    assert.ok(emulator.requests.every((r) => !/soap/i.test(r.path)));
  });

  it("the emulator refuses and logs a SOAP login(), as jsforce's Connection#login sends it without a client secret", async () => {
    const conn = new Connection({ loginUrl: emulator.url, version: '64.0' });
    await assert.rejects(
      conn.login(emulator.credentials.username, emulator.credentials.password),
      /INVALID_OPERATION|SOAP login\(\) is retired/,
    );
    const [soap] = emulator.soapRequests();
    assert.deepEqual(
      [soap?.method, soap?.path, soap?.operation, soap?.status, soap?.body],
      ['POST', '/services/Soap/u/64.0', 'login', 500, undefined],
    );
  });

  it("no Salesforce code calls jsforce's Connection#login or its SOAP login", () => {
    const dir = join(ROOT, 'connectors/salesforce');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      assert.doesNotMatch(source, /\.login\(|loginBySoap|\/services\/Soap/i, file);
    }
  });

  it('config refuses the username and password without a client id and secret (no SOAP fallback), naming the retirement', () => {
    const decoded = SalesforceConfigCodec.decode({ SALESFORCE_USERNAME: 'u@example.com', SALESFORCE_PASSWORD: 'hunter2' });
    assert.ok(isLeft(decoded));
    const [message = ''] = describeErrors(decoded.left);
    assert.match(
      message,
      /^SALESFORCE_CLIENT_ID: the username-password grant .* also needs SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET\. Salesforce retires the username-password grant on 20 February 2027; rather set one of: SALESFORCE_CLIENT_ID \+ SALESFORCE_CLIENT_SECRET of an External Client App/,
    );
    assert.doesNotMatch(message, /hunter2/);
  });

  describe('at start and in npm run setup', function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'sf-setup-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const WARNING = /username-password grant \(SALESFORCE_USERNAME \+ SALESFORCE_PASSWORD\) stops working on 20 February 2027/;

    it('npm run setup prints the warning once, then the report with both API versions', async () => {
      const result = await run([join(ROOT, 'scripts/setup.ts')], {
        CRM: 'salesforce',
        DATABASE_URL: `sqlite:${join(dir, 'setup.db')}`,
        ...passwordEnv(emulator),
      });
      assert.equal(result.code, 0, result.output);
      assert.equal(count(result.output, WARNING), 1, result.output);
      assert.match(result.output, /^WARNING: Salesforce: the username-password grant/m);
      assert.match(result.output, /^CRM=salesforce: ready$/m);
      assert.match(
        result.output,
        /ok +login: username-password grant \(Salesforce retires it on 20 February 2027: move to client credentials\) at http/,
      );
      assert.match(result.output, /ok +API version: 67\.0 configured; the org's newest is 68\.0 \(Winter '27\)/);
      assertNoSecret(result.output, emulator);
      assert.deepEqual(emulator.soapRequests(), []);

      const current = await run([join(ROOT, 'scripts/setup.ts')], {
        CRM: 'salesforce',
        DATABASE_URL: `sqlite:${join(dir, 'setup.db')}`,
        SALESFORCE_LOGIN_URL: emulator.url,
        SALESFORCE_CLIENT_ID: emulator.credentials.clientId,
        SALESFORCE_CLIENT_SECRET: emulator.credentials.clientSecret,
      });
      assert.equal(current.code, 0, current.output);
      assert.doesNotMatch(current.output, /WARNING/);
    });

    it('the service prints the warning once at start, at warn level, without secrets', async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = {
        CRM: 'salesforce',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        LOG_LEVEL: 'info',
        DATABASE_URL: `sqlite:${join(dir, 'service.db')}`,
        ...passwordEnv(emulator),
      };
      // Stopped (SIGTERM to its pid) once it listens: the connector is made before that.
      const result = await run([join(ROOT, 'src/main.ts')], env, (output) => WARNING.test(output) && output.includes(url));
      assert.equal(count(result.output, WARNING), 1, result.output);
      const line = result.output.split('\n').find((l) => WARNING.test(l)) ?? '';
      const parsed: unknown = JSON.parse(line);
      assert.ok(typeof parsed === 'object' && parsed !== null && 'level' in parsed && parsed.level === 40, line);
      assertNoSecret(result.output, emulator);
    });
  });
});
