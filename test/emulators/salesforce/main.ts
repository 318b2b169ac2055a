/**
 * `npm run emulator:salesforce`: a Salesforce sandbox on this machine for trying chat2crm with
 * CRM=salesforce and no org. Its port comes from SALESFORCE_EMULATOR_PORT only (default 4020), never
 * from PORT, which is the service's own. Records live in memory until it stops.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSalesforceEmulator } from './index';
import { runSandbox } from '../sandbox';
import { emulatorPort } from './port';

const main = async () => {
  const port = emulatorPort(process.env);
  if (!port.ok) throw new Error(port.message);
  const latencyMs = Number(process.env['SALESFORCE_EMULATOR_LATENCY_MS'] ?? '0');
  const emulator = await startSalesforceEmulator({
    port: port.port,
    latencyMs: Number.isFinite(latencyMs) ? latencyMs : 0,
    duplicateRules: true,
  });
  const { clientId, clientSecret, username } = emulator.credentials;
  // The JWT bearer grant signs with a private key: this emulator's own, written where only this user reads it.
  const keyDir = mkdtempSync(join(tmpdir(), 'chat2crm-salesforce-emulator-'));
  const keyFile = join(keyDir, 'jwt.key');
  writeFileSync(keyFile, emulator.jwtPrivateKeyPem(), { mode: 0o600 });
  runSandbox(
    [
      `Salesforce emulator listening on ${emulator.url} (API versions up to ${emulator.newestVersion})`,
      `What it received, newest first: ${emulator.url}/  (record links from chat2crm open there too)`,
      '',
      'Point chat2crm at it with the client credentials grant (in .env, or export them):',
      '  CRM=salesforce',
      `  SALESFORCE_LOGIN_URL=${emulator.url}`,
      `  SALESFORCE_CLIENT_ID=${clientId}`,
      `  SALESFORCE_CLIENT_SECRET=${clientSecret}`,
      'then: npm run setup && npm start',
      '',
      `JWT bearer instead of the secret: SALESFORCE_CLIENT_ID=${clientId} SALESFORCE_USERNAME=${username} SALESFORCE_PRIVATE_KEY_FILE=${keyFile}`,
      'Records live in memory until you stop it (Ctrl-C).',
      '',
    ],
    async () => {
      rmSync(keyDir, { recursive: true, force: true });
      await emulator.close();
    },
  );
};

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
