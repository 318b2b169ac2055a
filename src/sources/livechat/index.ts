/**
 * LiveChat (livechat.com, the Text platform) as a chat source: v3 webhooks (`action`, checked by
 * `secret_key`) and legacy v2 webhooks (`event_type`, authenticated by the path token) on one
 * URL, the Agent Chat API for transcripts and for showing the record link (this source's README).
 * Connecting an account: README.md beside this file.
 */
import { map } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { ChatSource, PlatformClient, SourceDefinition, SourceDeps } from '../../domain/source';
import { createAgentApi } from './agent-api';
import { AnyAnswer } from './api-wire';
import { LiveChatConfig } from './config';
import { decodeWebhook, META } from './decode';
import { fetchV3Conversation } from './fetch';
import { listArchivedChats } from './archives';
import { showV3Record } from './notify';
import { secretVerifier } from './verify';
import { showV2Record } from './visitor-details';
import { succeed } from '../../domain/outcome';

export { LiveChatConfig } from './config';
export { SESSION_FIELD } from './notify';

/** The v3 webhooks to register (Configuration API `register_webhook`), with their filters. */
export const WEBHOOK_ACTIONS = [
  { action: 'incoming_chat' },
  { action: 'chat_deactivated' },
  { action: 'incoming_event', filters: { author_type: 'agent' } },
] as const;

export const createLiveChatClient = (config: LiveChatConfig, deps: SourceDeps): PlatformClient => {
  // The runtime's logger already carries `source` (src/sources/runtime.ts): binding it again writes the key twice.
  const log = deps.log;
  const api = createAgentApi(config, { log, timeoutMs: deps.callTimeoutMs });
  return {
    fetchConversation: async (view) => (view.meta[META.generation] === 'v2' ? succeed(view.conversation) : fetchV3Conversation(api, view)),
    showRecord: (view, link) =>
      view.meta[META.generation] === 'v2'
        ? showV2Record({ apiUrl: config.apiUrl, timeoutMs: deps.callTimeoutMs }, view, link)
        : showV3Record({ api, agentId: config.agentId, log }, view, link),
    listArchived: (query) => listArchivedChats(api, query),
    check: async () => {
      if (config.credentials.kind === 'missing')
        return [
          {
            name: 'LiveChat API credentials',
            ok: false,
            detail: `not set: set ${config.credentials.missing}; v3 transcripts wait until then`,
          },
        ];
      const answer = await api.call('list_chats', { limit: 1 }, AnyAnswer);
      return [
        answer.ok
          ? { name: 'LiveChat API credentials', ok: true, detail: `accepted by ${config.apiUrl}` }
          : { name: 'LiveChat API credentials', ok: false, detail: answer.failure.message },
        {
          name: 'LiveChat webhook secret',
          ok: config.webhookSecret !== undefined,
          detail:
            config.webhookSecret !== undefined ? 'set' : 'LIVECHAT_WEBHOOK_SECRET is not set: v3 webhooks are refused (401) until it is',
        },
      ];
    },
  };
};

export const createLiveChatSource = (config: LiveChatConfig, deps: SourceDeps): ChatSource => ({
  name: 'livechat',
  answerMode: 'ack',
  verify: secretVerifier(config.webhookSecret),
  decode: decodeWebhook,
  // Exactly 200: LiveChat retries any other status
  // (https://github.com/livechat/livechat-public-docs/blob/master/src/pages/guides/livechat-apps/index.mdx).
  answer: () => ({ status: 200, body: {} }),
  client: createLiveChatClient(config, deps),
  describe: (webhookUrl) => [
    `LiveChat webhook URL (v3 and legacy v2): ${webhookUrl}`,
    `  register it for the v3 actions ${WEBHOOK_ACTIONS.map((w) => w.action + ('filters' in w ? ' (filters.author_type: agent)' : '')).join(', ')}`,
    config.webhookSecret === undefined
      ? '  LIVECHAT_WEBHOOK_SECRET is not set: choose one, register it as the webhooks’ secret_key, and set it here (v3 webhooks are refused until then)'
      : '  secret_key: the value of LIVECHAT_WEBHOOK_SECRET',
    ...(config.credentials.kind === 'missing'
      ? [`  Agent Chat API: not configured (set ${config.credentials.missing}); transcripts wait until then`]
      : []),
  ],
});

export const livechatSource: SourceDefinition = {
  name: 'livechat',
  title: 'LiveChat',
  tokenKey: 'LIVECHAT_WEBHOOK_TOKEN',
  configure: (env) =>
    pipe(
      LiveChatConfig.decode(env),
      map((config) => (deps: SourceDeps) => createLiveChatSource(config, deps)),
    ),
};
