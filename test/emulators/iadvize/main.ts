/**
 * `npm run emulator:iadvize`: an iAdvize API sandbox on a fixed port with a few conversations,
 * to run chat2crm with iAdvize configured and no iAdvize account. State lives in memory.
 */
import { makeConversation, startIAdvizeEmulator } from './index';
import { runSandbox } from '../sandbox';

const port = Number(process.env['IADVIZE_EMULATOR_PORT'] ?? process.env['PORT'] ?? '4030');

void (async () => {
  const short = makeConversation({ id: '4c8c7408-f73c-42cd-89e9-afbbee7d9024', messages: 6 });
  const long = makeConversation({ messages: 45, email: 'long.talker@example.com', tags: ['support'] });
  const emulator = await startIAdvizeEmulator({ port, host: '0.0.0.0', conversations: [short, long] });
  runSandbox(
    [
      `iAdvize emulator listening on ${emulator.url} (pages of 20 messages)`,
      `Seeded conversations: ${short.id} (6 messages), ${long.id} (45 messages)`,
      '',
      'Point chat2crm at it:',
      `  export IADVIZE_API_URL=${emulator.url} IADVIZE_USERNAME=${emulator.username} IADVIZE_PASSWORD=${emulator.password} IADVIZE_WEBHOOK_SECRET=<any secret>`,
      '  npm start',
      '',
      'Send a signed closed webhook (test/emulators/iadvize/webhook.ts `sendWebhook`), e.g. from a tsx REPL.',
      '',
    ],
    () => emulator.close(),
  );
})();
