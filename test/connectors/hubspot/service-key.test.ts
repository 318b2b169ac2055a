/**
 * HubSpot service keys (Development → Keys → Service keys) replace legacy private apps for new
 * accounts; their Bearer tokens need not look like `pat-…`. The configuration and `npm run setup`
 * take one as it is pasted, and refuse what could not be a token without quoting it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isLeft } from 'fp-ts/Either';
import { join, resolve } from 'node:path';
import { HubspotConfigCodec } from '../../../connectors/hubspot/config';
import { describeErrors } from '../../../src/domain/codecs';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';

const ROOT = resolve(__dirname, '../../..');
// No public sample of a service key's token exists; this one shares no prefix with private app tokens.
const SERVICE_KEY = 'CiRuYTEtNGY5ZC1hYzE3LTk4YjItNDU2Y2QzZTFhN2I2EJ-sk-service-key_0a1b2c';

const tokenOf = (raw: string | undefined): string => {
  const decoded = HubspotConfigCodec.decode(raw === undefined ? {} : { HUBSPOT_ACCESS_TOKEN: raw });
  if (isLeft(decoded)) throw new Error(describeErrors(decoded.left).join('; '));
  return decoded.right.accessToken;
};
const refusal = (raw: string | undefined): string => {
  const decoded = HubspotConfigCodec.decode(raw === undefined ? {} : { HUBSPOT_ACCESS_TOKEN: raw });
  assert.ok(isLeft(decoded), `accepted ${JSON.stringify(raw)}`);
  return describeErrors(decoded.left).join('; ');
};

/** `npm run setup` as npm runs it, with only the HubSpot keys set. */
const setup = (env: Readonly<Record<string, string>>): Promise<{ code: number | null; output: string }> =>
  new Promise((done, fail) => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('HUBSPOT_') && key !== 'CRM' && key !== 'DATABASE_URL'),
    );
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/setup.ts')], {
      cwd: ROOT,
      env: { ...inherited, CRM: 'hubspot', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });

describe('HubSpot service key tokens', () => {
  it('takes a service key token of any form, and a private app token, as they are', () => {
    assert.equal(tokenOf(SERVICE_KEY), SERVICE_KEY);
    assert.equal(tokenOf('pat-na1-11111111-2222-3333-4444-555555555555'), 'pat-na1-11111111-2222-3333-4444-555555555555');
  });

  it('takes off what a paste adds: surrounding space and quotes, a "Bearer " prefix', () => {
    for (const pasted of [` ${SERVICE_KEY}\n`, `"${SERVICE_KEY}"`, `'${SERVICE_KEY}'`, `Bearer ${SERVICE_KEY}`, `bearer   ${SERVICE_KEY} `])
      assert.equal(tokenOf(pasted), SERVICE_KEY, JSON.stringify(pasted));
  });

  it('refuses a missing token naming both kinds, and a broken one without quoting it', () => {
    assert.match(
      refusal(undefined),
      /HUBSPOT_ACCESS_TOKEN: must be set when CRM=hubspot: the token of a HubSpot service key \(Development → Keys → Service keys\)/,
    );
    assert.match(refusal('   '), /service key/);
    for (const broken of ['abc def-secret', 'abc\tdef-secret', 'tok\u00e9n-secret', 'Bearer ']) {
      const message = refusal(broken);
      assert.match(message, /^HUBSPOT_ACCESS_TOKEN: /);
      assert.doesNotMatch(message, /secret/, 'the token is not quoted');
    }
  });

  describe('npm run setup', function () {
    this.timeout(60_000);
    let emulator: HubspotEmulator;
    beforeEach(async () => {
      emulator = await startHubspotEmulator({ token: SERVICE_KEY, customProperties: false });
    });
    afterEach(() => emulator.close());

    it('sets up and checks a portal with a service key token, pasted with "Bearer "', async () => {
      const run = await setup({ HUBSPOT_BASE_URL: emulator.url, HUBSPOT_ACCESS_TOKEN: `Bearer ${SERVICE_KEY}` });
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /^CRM=hubspot: ready$/m);
      assert.match(run.output, /ok +create contacts property chat_conversation_id: created/);
      assert.equal(emulator.state.getProperty('contacts', 'chat_conversation_id').hasUniqueValue, true);
    });

    it('says the token is refused, without printing it, and how to make a service key with the least scopes', async () => {
      const run = await setup({ HUBSPOT_BASE_URL: emulator.url, HUBSPOT_ACCESS_TOKEN: 'wrong-service-key-token' });
      assert.equal(run.code, 1);
      assert.match(run.output, /needs attention/);
      assert.match(run.output, /FAIL {2}access token: /);
      assert.doesNotMatch(run.output, /wrong-service-key-token/);
      assert.match(run.output, /Development → Keys → Service keys → Create service key/);
      assert.match(
        run.output,
        /Add exactly these scopes: crm\.objects\.contacts\.read, crm\.objects\.contacts\.write, tickets, crm\.schemas\.contacts\.read, crm\.schemas\.contacts\.write\n/,
      );
      assert.match(run.output, /legacy private app token \(pat-…\) that already exists keeps working/);
    });

    it('prints the same steps when no token is set, and points links at the emulator once it runs', async () => {
      const missing = await setup({ HUBSPOT_BASE_URL: emulator.url });
      assert.equal(missing.code, 1);
      assert.match(missing.output, /HUBSPOT_ACCESS_TOKEN: must be set when CRM=hubspot/);
      assert.match(missing.output, /Development → Keys → Service keys/);

      const ready = await setup({ HUBSPOT_BASE_URL: emulator.url, HUBSPOT_ACCESS_TOKEN: SERVICE_KEY });
      assert.equal(ready.code, 0, ready.output);
      assert.match(
        ready.output,
        new RegExp(
          `records open on https://app\\.hubspot\\.com; set HUBSPOT_UI_DOMAIN=${emulator.url.replace(/[.]/g, '\\.')} so links open the emulator's own record pages`,
        ),
      );
      assert.doesNotMatch(ready.output, /Service keys → Create/, 'no token steps when the token works');
    });
  });
});
