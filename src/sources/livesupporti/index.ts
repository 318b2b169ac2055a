/**
 * LiveSupporti (this source's README): signed "chat started" notifications → the CRM person, or a new
 * lead, → its link shown beside the visitor while the agent chats. Async: answered as soon as
 * stored.
 */
import { map } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { ChatSource, SourceDefinition, SourceDeps } from '../../domain/source';
import { createLiveSupportiClient } from './client';
import { LiveSupportiConfigCodec, type LiveSupportiConfig } from './config';
import { decodeNotifications } from './notifications';
import { livesupportiRoutes } from './routes';
import { verifySignature } from './signature';

export { LiveSupportiConfigCodec, type LiveSupportiConfig } from './config';

const describe = (config: LiveSupportiConfig, webhookUrl: string): readonly string[] => [
  'LiveSupporti → WebHooks → Add: paste the callback URL, tick "Chat started" and "Visitor data", and type the secret:',
  `    ${webhookUrl}`,
  config.webhookSecret === undefined
    ? '  LIVESUPPORTI_WEBHOOK_SECRET is not set: notifications are refused until it holds the secret typed into LiveSupporti (32 to 128 characters; the form in LiveSupporti takes at most 64).'
    : '  LIVESUPPORTI_WEBHOOK_SECRET is set.',
  config.apiUser === undefined || config.apiKey === undefined
    ? '  LIVESUPPORTI_API_USER and LIVESUPPORTI_API_KEY are needed to show the CRM link to agents.'
    : `  Links are shown through ${config.apiUrl}/api/visitors/<visitor>/details.`,
  config.createLeads
    ? '  Unknown visitors with an email become leads (LIVESUPPORTI_CREATE_LEADS=true).'
    : '  Only visitors the CRM already knows are shown (LIVESUPPORTI_CREATE_LEADS=false).',
];

export const createLiveSupportiSource = (config: LiveSupportiConfig, deps: SourceDeps): ChatSource => {
  const now = deps.now ?? (() => new Date());
  return {
    name: 'livesupporti',
    answerMode: 'ack',
    verify: (request) => verifySignature(request, config.webhookSecret),
    decode: (request) => decodeNotifications(request, { createLeads: config.createLeads, now }),
    // Any 2xx ends the sender's retries (`DataFlowWebHookSender`); the body is not read.
    answer: () => ({ status: 200, body: {} }),
    routes: livesupportiRoutes,
    client: createLiveSupportiClient({
      apiUrl: config.apiUrl,
      timeoutMs: deps.callTimeoutMs,
      ...(config.apiUser === undefined ? {} : { apiUser: config.apiUser }),
      ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    }),
    describe: (webhookUrl) => describe(config, webhookUrl),
  };
};

export const livesupportiSource: SourceDefinition = {
  name: 'livesupporti',
  title: 'LiveSupporti',
  tokenKey: 'LIVESUPPORTI_WEBHOOK_TOKEN',
  configure: (env) =>
    pipe(
      LiveSupportiConfigCodec.decode(env),
      map((config) => (deps: SourceDeps) => createLiveSupportiSource(config, deps)),
    ),
};
