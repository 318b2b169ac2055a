/**
 * The sandbox's demo chat, played to chat2crm as LiveChat's webhooks: a chat starts, Agent Smith
 * types `!lead` as an internal note, chat2crm's agents-only message with the link appears, and only
 * then does the chat end. LiveChat refuses messages to an inactive chat (`chat_inactive`,
 * https://platform.text.com/docs/messaging/agent-chat-api#errors), so closing it earlier would
 * hide the very message the demo is for. What chat2crm called is reported as LiveChat answered it:
 * a refused call is never shown as `ok`.
 */
import { sleep } from '../http';
import { untilAnswering } from '../service-wait';
import type { LiveChatEmulator, RecordedRequest } from './index';
import { chatDeactivated, incomingChat, incomingEvent, postWebhook } from './webhooks';

export const DEMO_AGENT = 'agent.smith@example.com';

export interface DemoChat {
  readonly chatId: string;
  readonly customerId: string;
}

/** Ada's chat with Agent Smith, two lines said; Ada has a session field of her own (`plan`). */
export const seedDemo = (emulator: LiveChatEmulator): DemoChat => {
  const { state } = emulator;
  state.addAgent(DEMO_AGENT, 'Agent Smith');
  const customer = state.addCustomer({ name: 'Ada Lovelace', email: 'ada@example.com', session_fields: [{ plan: 'pro' }] });
  const chat = state.startChat({ customerId: customer.id, agentId: DEMO_AGENT });
  state.addEvent(chat.id, { author_id: customer.id, text: 'Hi, I need a quote for 20 seats' });
  state.addEvent(chat.id, { author_id: DEMO_AGENT, text: 'Sure, let me check' });
  return { chatId: chat.id, customerId: customer.id };
};

/** One API call as LiveChat answered it: `ok` only for a 200. */
export const describeCall = (call: RecordedRequest): string => {
  const what = call.action ?? `${call.method} ${call.path}`;
  if (call.status === 200 && call.errorType === undefined) return `${what}: ok`;
  if (call.status === 0) return `${what}: no answer`;
  return `${what}: refused (${call.errorType ?? `HTTP ${call.status}`})`;
};

export interface DemoOptions {
  /** chat2crm's LiveChat webhook URL. */
  readonly webhook: string;
  readonly secretKey: string;
  readonly write: (line: string) => void;
  /** How long to wait for chat2crm to answer at all; default 2 minutes. */
  readonly answerTimeoutMs?: number;
  /** How long to wait for each result (the agents-only message, the session field); default 30 s. */
  readonly stepTimeoutMs?: number;
}

export interface DemoResult {
  /** chat2crm's agents-only message, when LiveChat took it. */
  readonly agentsOnlyMessage: string | undefined;
  /** The customer's `crm_record_url` at the end. */
  readonly sessionLink: string | undefined;
}

const until = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
};

export const playDemo = async (emulator: LiveChatEmulator, demo: DemoChat, options: DemoOptions): Promise<DemoResult> => {
  const { state } = emulator;
  const { write } = options;
  const stepMs = options.stepTimeoutMs ?? 30_000;
  const sessionLink = (): string | undefined => {
    const entry = state.customers.get(demo.customerId)?.session_fields.find((f) => 'crm_record_url' in f);
    return entry?.crm_record_url;
  };
  const ourMessage = () =>
    state
      .chat(demo.chatId)
      .threads.flatMap((t) => t.events)
      .find((e) => e.author_id === emulator.account.agentId && e.visibility === 'agents' && e.text?.startsWith('CRM lead') === true);
  let reported = emulator.calls().length;
  const reportCalls = () => {
    const calls = emulator.calls();
    for (const call of calls.slice(reported)) write(`  chat2crm → ${describeCall(call)}`);
    reported = calls.length;
  };
  const step = async (name: string, body: Record<string, unknown>) => {
    const answer = await postWebhook(options.webhook, body);
    write(`${name}: chat2crm answered ${answer.status} ${answer.text}`);
  };

  write(`Waiting for chat2crm at ${options.webhook} …`);
  if (!(await untilAnswering(options.webhook, options.answerTimeoutMs ?? 120_000))) {
    write('chat2crm did not answer; nothing played');
    return { agentsOnlyMessage: undefined, sessionLink: undefined };
  }

  await step('incoming_chat', incomingChat(state, demo.chatId, { secretKey: options.secretKey }));
  // Only what answers the `!lead` counts (a known customer's incoming_chat may have sent one too).
  const sentBefore = emulator.calls('send_event').length;
  state.addEvent(demo.chatId, { author_id: DEMO_AGENT, text: '!lead', visibility: 'agents' });
  await step('incoming_event (!lead, an internal note)', incomingEvent(state, demo.chatId, { secretKey: options.secretKey }));
  // The chat stays active until chat2crm's message is in, or LiveChat refused it, or the wait ends.
  const refused = () =>
    emulator
      .calls('send_event')
      .slice(sentBefore)
      .some((c) => c.status !== 200 && c.status !== 0);
  await until(() => ourMessage() !== undefined || refused(), stepMs);
  reportCalls();
  const message = ourMessage();
  write(
    message === undefined
      ? `agents-only message: not shown${refused() ? ' (LiveChat refused it)' : ` within ${stepMs / 1000} s`}`
      : `agents-only message: ok, "${message.text ?? ''}"`,
  );

  const before = emulator.calls('update_customer').length;
  state.closeThread(demo.chatId);
  await step('chat_deactivated', chatDeactivated(state, demo.chatId, { secretKey: options.secretKey, userId: DEMO_AGENT }));
  await until(() => emulator.calls('update_customer').length > before, stepMs);
  reportCalls();
  const link = sessionLink();
  write(link === undefined ? 'session field crm_record_url: not set' : `session field crm_record_url: ${link}`);
  return { agentsOnlyMessage: message?.text, sessionLink: link };
};
