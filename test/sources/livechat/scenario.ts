/** A LiveChat emulator with one configured source in front of it, and chats made the way agents make them. */
import assert from 'node:assert/strict';
import type { Env } from '../../../src/domain/connector';
import type { Outcome } from '../../../src/domain/outcome';
import type { ChatSource, PlatformClient } from '../../../src/domain/source';
import { startLiveChatEmulator, type LiveChatEmulator, type LiveChatEmulatorOptions } from '../../emulators/livechat';
import { makeSource } from './helpers';

export const SECRET = 'webhook-secret-for-tests';
export const AGENT = 'agent.smith@example.com';

export interface Scenario {
  readonly emulator: LiveChatEmulator;
  readonly env: Env;
  source(env?: Env, callTimeoutMs?: number): ChatSource;
  client(env?: Env, callTimeoutMs?: number): Required<PlatformClient>;
  /** A customer (with a session field of their own) in a chat with Agent Smith, two lines said. */
  chat(options?: { bareCustomer?: boolean; hideSessionFields?: boolean; email?: string }): { chatId: string; customerId: string };
}

export const startScenario = async (options: LiveChatEmulatorOptions = {}): Promise<Scenario> => {
  const emulator = await startLiveChatEmulator(options);
  const env: Env = {
    LIVECHAT_API_URL: emulator.url,
    LIVECHAT_ACCOUNT_ID: emulator.account.accountId,
    LIVECHAT_PAT: emulator.account.pat,
    LIVECHAT_AGENT_ID: emulator.account.agentId,
    LIVECHAT_WEBHOOK_SECRET: SECRET,
  };
  emulator.state.addAgent(AGENT, 'Agent Smith');
  const source = (extra: Env = {}, callTimeoutMs = 2000) => makeSource({ ...env, ...extra }, callTimeoutMs);
  return {
    emulator,
    env,
    source,
    client: (extra = {}, callTimeoutMs = 2000) => {
      const client = source(extra, callTimeoutMs).client;
      assert.ok(client !== undefined);
      const present = <A>(value: A | undefined): A => {
        assert.ok(value !== undefined, 'the LiveChat client lacks a method');
        return value;
      };
      return {
        fetchConversation: (view) => present(client.fetchConversation?.(view)),
        showRecord: (view, link) => present(client.showRecord?.(view, link)),
        check: () => present(client.check?.()),
        listArchived: (query) => present(client.listArchived?.(query)),
      };
    },
    chat: ({ bareCustomer = false, hideSessionFields = false, email = 'ada@example.com' } = {}) => {
      const customer = emulator.state.addCustomer({
        name: 'Ada Lovelace',
        email,
        session_fields: [{ plan: 'pro' }, { signup: '2025-02-01' }],
      });
      const chat = emulator.state.startChat({ customerId: customer.id, agentId: AGENT, bareCustomer, hideSessionFields });
      emulator.state.addEvent(chat.id, { author_id: customer.id, text: 'Hi, I need a quote for 20 seats' });
      emulator.state.addEvent(chat.id, { author_id: AGENT, text: 'Sure, let me check' });
      return { chatId: chat.id, customerId: customer.id };
    },
  };
};

export const valueOf = <A>(outcome: Outcome<A>): A => {
  if (!outcome.ok) assert.fail(`failed: ${outcome.failure.kind} ${outcome.failure.code} ${outcome.failure.message}`);
  return outcome.value;
};

export const failureOf = <A>(outcome: Outcome<A>) => {
  if (outcome.ok) assert.fail('expected a failure');
  return outcome.failure;
};
