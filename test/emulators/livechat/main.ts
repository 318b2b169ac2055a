/**
 * `npm run emulator:livechat`: a LiveChat sandbox on a fixed port, to run chat2crm with LiveChat
 * without a LiveChat account. It holds one demo chat; with LIVECHAT_EMULATOR_WEBHOOK set to the
 * service's webhook URL it plays that chat (new chat, an agent's `!lead`, the chat closing) as
 * LiveChat's webhooks. State lives in memory and is gone on exit.
 */
import { startLiveChatEmulator } from './index';
import { chatDeactivated, incomingChat, incomingEvent, postWebhook } from './webhooks';

const port = Number(process.env.LIVECHAT_EMULATOR_PORT ?? process.env.PORT ?? '4040');
const webhook = process.env.LIVECHAT_EMULATOR_WEBHOOK;
const secretKey = process.env.LIVECHAT_WEBHOOK_SECRET ?? 'emulator-webhook-secret';

void (async () => {
  const emulator = await startLiveChatEmulator({ port, host: '0.0.0.0' });
  const { state, account } = emulator;
  state.addAgent('agent.smith@example.com', 'Agent Smith');
  const customer = state.addCustomer({ name: 'Ada Lovelace', email: 'ada@example.com', session_fields: [{ plan: 'pro' }] });
  const chat = state.startChat({ customerId: customer.id, agentId: 'agent.smith@example.com' });
  state.addEvent(chat.id, { author_id: customer.id, text: 'Hi, I need a quote for 20 seats' });
  state.addEvent(chat.id, { author_id: 'agent.smith@example.com', text: 'Sure, let me check' });

  process.stdout.write(
    [
      `LiveChat emulator listening on ${emulator.url} (demo chat ${chat.id}, customer ${customer.id})`,
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
    ].join('\n'),
  );
  if (webhook === undefined) return;
  const options = { secretKey };
  const step = async (name: string, body: Record<string, unknown>) => {
    const answer = await postWebhook(webhook, body);
    process.stdout.write(`${name}: ${answer.status} ${answer.text}\n`);
  };
  await step('incoming_chat', incomingChat(state, chat.id, options));
  state.addEvent(chat.id, { author_id: 'agent.smith@example.com', text: '!lead', visibility: 'agents' });
  await step('incoming_event (!lead)', incomingEvent(state, chat.id, options));
  state.closeThread(chat.id);
  await step('chat_deactivated', chatDeactivated(state, chat.id, { ...options, userId: 'agent.smith@example.com' }));
})();
