/**
 * `npm run emulator:hubspot`: a HubSpot sandbox on a fixed port, to run chat2crm with
 * `CRM=hubspot` without a HubSpot account. State lives in memory and is gone on exit. Its port is
 * `HUBSPOT_EMULATOR_PORT` (default 4010), never `PORT`, which is the service's own.
 */
import { startHubspotEmulator } from './index';
import { runSandbox } from '../sandbox';

const portText = process.env.HUBSPOT_EMULATOR_PORT?.trim() || '4010';
const searchLagText = process.env.HUBSPOT_EMULATOR_SEARCH_LAG_MS?.trim() || '2000';

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const port =
  /^\d+$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65_535
    ? Number(portText)
    : fail('HUBSPOT_EMULATOR_PORT must be a port number (1-65535)');
const searchLagMs = /^\d+$/.test(searchLagText)
  ? Number(searchLagText)
  : fail('HUBSPOT_EMULATOR_SEARCH_LAG_MS must be a number of milliseconds');

void (async () => {
  // A sandbox user runs `npm run setup` against it, so it starts like a fresh portal.
  const emulator = await startHubspotEmulator({ port, host: '0.0.0.0', searchLagMs, customProperties: false });
  // Record links open on this machine's browser: localhost reaches a server listening on every interface.
  const origin = `http://localhost:${port}`;
  runSandbox(
    [
      `HubSpot emulator listening on ${emulator.url} (portal ${emulator.portalId}, API versions 2026-03 and 2026-09, search lag ${searchLagMs} ms)`,
      `What it receives: ${origin}/ (contacts, tickets and notes, newest first)`,
      '',
      'Point chat2crm at it (record links then open on the emulator):',
      `  export CRM=hubspot HUBSPOT_BASE_URL=${emulator.url} HUBSPOT_ACCESS_TOKEN=${emulator.token} HUBSPOT_UI_DOMAIN=${origin}`,
      '  npm run setup   # creates the chat_conversation_id properties',
      '  npm start',
      '',
    ],
    // Legacy calls it refused are worth a line on the way out, not a crash.
    () => emulator.close().catch((e: unknown) => void process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)),
  );
})();
