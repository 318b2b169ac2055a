/**
 * `npm run emulator:livechat`: a LiveChat sandbox on a fixed port (LIVECHAT_EMULATOR_PORT, default
 * 4040), to run chat2crm with LiveChat without a LiveChat account. It holds one demo chat; with
 * LIVECHAT_EMULATOR_WEBHOOK set to the service's webhook URL it plays that chat (demo.ts) once the
 * service answers. `GET /` shows what chat2crm wrote. State lives in memory and is gone on exit.
 */
import { startLiveChatEmulator } from './index';
import { DEMO_AGENT, playDemo, seedDemo } from './demo';
import { seedArchive } from './archive-seed';
import { runSandbox } from '../sandbox';
import { sandboxPort } from '../sandbox-port';

const port = sandboxPort(process.env, 'LIVECHAT_EMULATOR_PORT');
const webhook = process.env.LIVECHAT_EMULATOR_WEBHOOK;
const secretKey = process.env.LIVECHAT_WEBHOOK_SECRET ?? 'emulator-webhook-secret';
const archive = process.env.LIVECHAT_EMULATOR_ARCHIVE === undefined ? 0 : Number(process.env.LIVECHAT_EMULATOR_ARCHIVE);
if (!Number.isSafeInteger(archive) || archive < 0) throw new Error('LIVECHAT_EMULATOR_ARCHIVE must be a whole number of archived chats');

void (async () => {
  const emulator = await startLiveChatEmulator({ port, host: '0.0.0.0' });
  const { account } = emulator;
  // Before the demo: the archive's clock starts 2026-01-01, the demo's chat is then the newest.
  const archived = seedArchive(emulator.state, {
    count: archive,
    from: new Date('2026-01-01T00:00:00Z'),
    spacingMs: 60_000,
    agentId: DEMO_AGENT,
  });
  const demo = seedDemo(emulator);
  runSandbox(
    [
      `LiveChat emulator listening on ${emulator.url} (demo chat ${demo.chatId}, customer ${demo.customerId})`,
      ...(archived.length === 0
        ? []
        : [`${archived.length} archived chats from 2026-01-01, a minute apart: npm run backfill -- --source livechat --since 2026-01-01`]),
      `What chat2crm wrote (session fields, agents-only messages, v2 visitor details): ${emulator.url}/`,
      '',
      'Point chat2crm at it:',
      `  LIVECHAT_API_URL=${emulator.url}`,
      `  LIVECHAT_ACCOUNT_ID=${account.accountId}`,
      `  LIVECHAT_PAT=${account.pat}`,
      `  LIVECHAT_AGENT_ID=${account.agentId}`,
      `  LIVECHAT_WEBHOOK_SECRET=${secretKey}`,
      '',
      webhook === undefined
        ? 'Set LIVECHAT_EMULATOR_WEBHOOK=<chat2crm LiveChat webhook URL> to have the demo chat played as webhooks.'
        : `Playing the demo chat to ${webhook}`,
      '',
    ],
    () => emulator.close(),
  );
  if (webhook === undefined) return;
  await playDemo(emulator, demo, { webhook, secretKey, write: (line) => void process.stdout.write(`${line}\n`) });
})();
