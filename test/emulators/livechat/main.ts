/**
 * `npm run emulator:livechat`: a LiveChat sandbox on a fixed port (LIVECHAT_EMULATOR_PORT, default
 * 4040), to run chat2crm with LiveChat without a LiveChat account. It holds one demo chat; with
 * LIVECHAT_EMULATOR_WEBHOOK set to the service's webhook URL it plays that chat (demo.ts) once the
 * service answers. `GET /` shows what chat2crm wrote. State lives in memory and is gone on exit.
 */
import { startLiveChatEmulator } from './index';
import { playDemo, seedDemo } from './demo';
import { runSandbox } from '../sandbox';
import { sandboxPort } from '../sandbox-port';

const port = sandboxPort(process.env, 'LIVECHAT_EMULATOR_PORT');
const webhook = process.env.LIVECHAT_EMULATOR_WEBHOOK;
const secretKey = process.env.LIVECHAT_WEBHOOK_SECRET ?? 'emulator-webhook-secret';

void (async () => {
  const emulator = await startLiveChatEmulator({ port, host: '0.0.0.0' });
  const { account } = emulator;
  const demo = seedDemo(emulator);
  runSandbox(
    [
      `LiveChat emulator listening on ${emulator.url} (demo chat ${demo.chatId}, customer ${demo.customerId})`,
      `What chat2crm wrote (session fields, agents-only messages, v2 visitor details): ${emulator.url}/`,
      '',
      'Point chat2crm at it:',
      `  LIVECHAT_API_URL=${emulator.url}`,
      `  LIVECHAT_ACCOUNT_ID=${account.accountId}`,
      `  LIVECHAT_PAT=${account.pat}`,
      `  LIVECHAT_AGENT_ID=${account.agentId}`,
      `  LIVECHAT_WEBHOOK_SECRET=${secretKey}`,
      '',
      webhook === undefined ? 'Set LIVECHAT_EMULATOR_WEBHOOK=<chat2crm LiveChat webhook URL> to have the demo chat played as webhooks.' : `Playing the demo chat to ${webhook}`,
      '',
    ],
    () => emulator.close(),
  );
  if (webhook === undefined) return;
  await playDemo(emulator, demo, { webhook, secretKey, write: (line) => void process.stdout.write(`${line}\n`) });
})();
