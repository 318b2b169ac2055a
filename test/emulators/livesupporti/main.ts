/**
 * `npm run emulator:livesupporti`: the visitor-details API on a fixed port
 * (LIVESUPPORTI_EMULATOR_PORT, default 4050), to run chat2crm
 * without a LiveSupporti account. State lives in memory and is gone on exit.
 *
 * `npm run emulator:livesupporti -- chat-started <callback URL> <email> [visitor id]` plays
 * LiveSupporti instead: the echo check, then one signed "chat started" notification
 * (secret from LIVESUPPORTI_WEBHOOK_SECRET), retried as LiveSupporti retries.
 */
import { chatStarted, createLiveSupportiSender, startLiveSupportiEmulator } from './index';
import { runSandbox } from '../sandbox';
import { sandboxPort } from '../sandbox-port';

const serve = async () => {
  const port = sandboxPort(process.env, 'LIVESUPPORTI_EMULATOR_PORT');
  const emulator = await startLiveSupportiEmulator({ port, host: '0.0.0.0' });
  runSandbox(
    [
      `LiveSupporti emulator listening on ${emulator.url} (POST /api/visitors/<id>/details); what chat2crm pushed: ${emulator.url}/`,
      '',
      'Point chat2crm at it:',
      `  export LIVESUPPORTI_API_URL=${emulator.url} LIVESUPPORTI_API_USER=${emulator.user} LIVESUPPORTI_API_KEY=${emulator.apiKey}`,
      '  export LIVESUPPORTI_WEBHOOK_SECRET=$(openssl rand -hex 16)',
      '  npm start',
      'then, in another shell with the same secret:',
      '  npm run emulator:livesupporti -- chat-started <printed LiveSupporti webhook URL> ada@example.com',
      '',
    ],
    () => emulator.close(),
  );
  setInterval(() => {
    for (const r of emulator.requests.splice(0))
      process.stdout.write(`${r.method} ${r.path} → ${r.status}${r.fault === undefined ? '' : ` (fault ${r.fault})`}\n`);
  }, 500);
};

const sendChatStarted = async (callbackUrl: string | undefined, email: string | undefined, visitorId: string | undefined) => {
  const secret = process.env.LIVESUPPORTI_WEBHOOK_SECRET;
  if (callbackUrl === undefined || email === undefined || secret === undefined) {
    process.stderr.write(
      'usage: LIVESUPPORTI_WEBHOOK_SECRET=… npm run emulator:livesupporti -- chat-started <callback URL> <email> [visitor id]\n',
    );
    process.exit(2);
  }
  const sender = createLiveSupportiSender({ callbackUrl, secret, retryDelaysMs: [5_000, 20_000] });
  const echo = await sender.verifyEcho('https://livesupporti.com');
  process.stdout.write(`echo check: ${echo.ok ? 'passed' : `failed (${echo.status})`}\n`);
  if (!echo.ok) process.exit(1);
  const delivery = await sender.send([chatStarted({ id: visitorId ?? `127.0.0.1-${Date.now()}`, email })]);
  for (const a of delivery.attempts) process.stdout.write(`attempt ${a.attempt}: ${a.status} in ${a.ms} ms\n`);
  process.exit(delivery.delivered ? 0 : 1);
};

const [command, ...args] = process.argv.slice(2);
void (command === 'chat-started' ? sendChatStarted(args[0], args[1], args[2]) : serve());
