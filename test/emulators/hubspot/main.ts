/**
 * `npm run emulator:hubspot`: a HubSpot sandbox on a fixed port, to run chat2crm with
 * `CRM=hubspot` without a HubSpot account. State lives in memory and is gone on exit.
 */
import { startHubspotEmulator } from './index';
import { runSandbox } from '../sandbox';

const port = Number(process.env.HUBSPOT_EMULATOR_PORT ?? process.env.PORT ?? '4010');
const searchLagMs = Number(process.env.HUBSPOT_EMULATOR_SEARCH_LAG_MS ?? '2000');

void (async () => {
  // A sandbox user runs `npm run setup` against it, so it starts like a fresh portal.
  const emulator = await startHubspotEmulator({ port, host: '0.0.0.0', searchLagMs, customProperties: false });
  runSandbox(
    [
      `HubSpot emulator listening on ${emulator.url} (portal ${emulator.portalId}, search lag ${searchLagMs} ms)`,
      '',
      'Point chat2crm at it:',
      `  export CRM=hubspot HUBSPOT_BASE_URL=${emulator.url} HUBSPOT_ACCESS_TOKEN=${emulator.token}`,
      '  npm run setup   # creates the chat_conversation_id properties',
      '  npm start',
      '',
    ],
    () => emulator.close(),
  );
})();
