/**
 * `npm run emulator:salesforce`: a Salesforce sandbox on this machine for trying chat2crm with
 * CRM=salesforce and no org. Port from SALESFORCE_EMULATOR_PORT (default 8788).
 */
import { startSalesforceEmulator } from './index';
import { runSandbox } from '../sandbox';

const main = async () => {
  const port = Number(process.env['SALESFORCE_EMULATOR_PORT'] ?? '8788');
  const latencyMs = Number(process.env['SALESFORCE_EMULATOR_LATENCY_MS'] ?? '0');
  const emulator = await startSalesforceEmulator({ port, latencyMs, duplicateRules: true });
  const { clientId, clientSecret } = emulator.credentials;
  runSandbox(
    [
      `Salesforce emulator listening on ${emulator.url}`,
      '',
      'Start chat2crm against it (client credentials grant):',
      `  CRM=salesforce SALESFORCE_LOGIN_URL=${emulator.url} SALESFORCE_CLIENT_ID=${clientId} SALESFORCE_CLIENT_SECRET=${clientSecret} npm start`,
      '',
      `Also accepted: SALESFORCE_USERNAME=${emulator.credentials.username} SALESFORCE_PASSWORD=${emulator.credentials.password} (password grant),`,
      `SALESFORCE_REFRESH_TOKEN=${emulator.credentials.refreshToken} (refresh token grant), any key file with SALESFORCE_PRIVATE_KEY_FILE (JWT bearer).`,
      `Records live in memory until you stop it (Ctrl-C). Look at one: curl -H "Authorization: Bearer <token>" ${emulator.url}/services/data/v62.0/query?q=SELECT+Id,LastName+FROM+Lead`,
      '',
    ],
    () => emulator.close(),
  );
};

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
