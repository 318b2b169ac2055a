/**
 * `npm run emulator:iadvize`: an iAdvize API sandbox on a fixed port (IADVIZE_EMULATOR_PORT,
 * default 4030) with two conversations, to run chat2crm with iAdvize configured and no iAdvize
 * account. State lives in memory. `GET /` shows the conversations and what chat2crm answered.
 * With IADVIZE_EMULATOR_WEBHOOK (chat2crm's iAdvize webhook URL) and IADVIZE_WEBHOOK_SECRET set,
 * it plays the short conversation's close once chat2crm answers.
 *
 * `npm run emulator:iadvize -- conversation-closed <webhook URL> [conversation id]` plays iAdvize
 * instead: one signed `v2.conversation.closed` (secret from IADVIZE_WEBHOOK_SECRET) for a
 * conversation the sandbox serves (default the short one), then the customer-information plugin
 * asked until it shows the CRM record.
 */
import { playConversationClosed, sandboxConversations, startIAdvizeEmulator, type OutgoingCall } from './index';
import { runSandbox } from '../sandbox';
import { sandboxPort } from '../sandbox-port';
import { untilAnswering } from '../service-wait';

const conversations = sandboxConversations;

const printCall = (c: OutgoingCall): void => void process.stdout.write(`${c.what}: ${c.status} ${c.answer}\n`);

const serve = async () => {
  const port = sandboxPort(process.env, 'IADVIZE_EMULATOR_PORT');
  const webhook = process.env.IADVIZE_EMULATOR_WEBHOOK;
  const secret = process.env.IADVIZE_WEBHOOK_SECRET;
  const { short, long } = conversations();
  const emulator = await startIAdvizeEmulator({ port, host: '0.0.0.0', conversations: [short, long] });
  runSandbox(
    [
      `iAdvize emulator listening on ${emulator.url} (pages of 20 messages); what chat2crm did: ${emulator.url}/`,
      `Seeded conversations: ${short.id} (6 messages), ${long.id} (45 messages)`,
      '',
      'Point chat2crm at it:',
      `  export IADVIZE_API_URL=${emulator.url} IADVIZE_USERNAME=${emulator.username} IADVIZE_PASSWORD=${emulator.password} IADVIZE_WEBHOOK_SECRET=<any secret>`,
      '  npm start',
      'then, in another shell with the same secret:',
      '  npm run emulator:iadvize -- conversation-closed <printed iAdvize webhook URL> [conversation id]',
      webhook === undefined || secret === undefined
        ? '(or start this sandbox with IADVIZE_EMULATOR_WEBHOOK=<that URL> and IADVIZE_WEBHOOK_SECRET to play it once chat2crm answers)'
        : `Playing ${short.id}'s close to ${webhook} once it answers`,
      '',
    ],
    () => emulator.close(),
  );
  if (webhook === undefined || secret === undefined) return;
  if (!(await untilAnswering(webhook, 120_000))) {
    process.stdout.write(`${webhook} did not answer within 2 minutes; nothing played\n`);
    return;
  }
  const played = await playConversationClosed({
    callbackUrl: webhook,
    secret,
    conversation: short,
    onCall: (c) => {
      emulator.outgoing.push(c);
      printCall(c);
    },
  });
  process.stdout.write(
    played.recordUrl === undefined
      ? 'the plugin showed no CRM record within the wait\n'
      : `the agent's panel shows the CRM record: ${played.recordUrl}\n`,
  );
};

const sendConversationClosed = async (callbackUrl: string | undefined, conversationId: string | undefined) => {
  const secret = process.env.IADVIZE_WEBHOOK_SECRET;
  const { short, long } = conversations();
  const conversation = [short, long].find((c) => c.id === (conversationId ?? short.id));
  if (callbackUrl === undefined || secret === undefined || conversation === undefined) {
    process.stderr.write(
      `usage: IADVIZE_WEBHOOK_SECRET=… npm run emulator:iadvize -- conversation-closed <webhook URL> [${short.id} | ${long.id}]\n`,
    );
    process.exit(2);
  }
  const played = await playConversationClosed({ callbackUrl, secret, conversation, onCall: printCall });
  process.stdout.write(
    played.recordUrl === undefined
      ? 'the plugin showed no CRM record within the wait\n'
      : `the agent's panel shows the CRM record: ${played.recordUrl}\n`,
  );
  process.exit(played.recordUrl === undefined ? 1 : 0);
};

const [command, ...args] = process.argv.slice(2);
void (command === 'conversation-closed' ? sendConversationClosed(args[0], args[1]) : serve());
