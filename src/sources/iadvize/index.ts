/**
 * iAdvize (this source's README): signed thin webhooks, transcripts read by GraphQL, the CRM link shown
 * by the customer-information plugin. Answered 200 as soon as the events are stored.
 */
import { map } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { ChatSource, SourceDefinition, SourceDeps } from '../../domain/source';
import { IAdvizeConfigCodec, type IAdvizeConfig } from './config';
import { IAdvizeClient } from './client';
import { SOURCE, decodeWebhook } from './events';
import { GraphQLClient } from './graphql';
import { pluginRoutes } from './plugin';
import { verifySignature } from './signature';
import { TokenSource } from './token';

const describe = (config: IAdvizeConfig, webhookUrl: string): readonly string[] => [
  `iAdvize webhook URL (v2.conversation.closed, v2.conversation.pushed): ${webhookUrl}`,
  `iAdvize customer information URL and action URL: ${webhookUrl}/customer-info`,
  `iAdvize health check URL: ${webhookUrl}/health`,
  ...(config.webhookSecret === undefined ? ['IADVIZE_WEBHOOK_SECRET is not set: every iAdvize call will be refused (401).'] : []),
  ...(config.credentials === undefined ? ['IADVIZE_USERNAME/IADVIZE_PASSWORD are not set: closed conversations cannot be read.'] : []),
  `iAdvize API: ${config.apiUrl} (platform ${config.platform})`,
];

export const createIAdvizeSource = (config: IAdvizeConfig, deps: SourceDeps): ChatSource => {
  // The runtime's logger already carries `source` (src/sources/runtime.ts): binding it again writes the key twice.
  const log = deps.log;
  const now = deps.now ?? (() => new Date());
  const clock = () => now().getTime();
  const tokens = new TokenSource({
    apiUrl: config.apiUrl,
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    timeoutMs: deps.callTimeoutMs,
    log,
    now: clock,
  });
  const graphql = new GraphQLClient({
    apiUrl: config.apiUrl,
    platform: config.platform,
    tokens,
    timeoutMs: deps.callTimeoutMs,
    now: clock,
  });
  return {
    name: SOURCE,
    answerMode: 'ack',
    verify: (request) => verifySignature(request, config.webhookSecret),
    decode: (request) => decodeWebhook(request, now()),
    // iAdvize wants a 20x and retries anything else (+10 s, +20 s); the body is not read.
    answer: () => ({ status: 200, body: {} }),
    routes: pluginRoutes(config.webhookSecret, log),
    client: new IAdvizeClient(graphql, tokens, log),
    describe: (webhookUrl) => describe(config, webhookUrl),
  };
};

export const iadvizeSource: SourceDefinition = {
  name: SOURCE,
  title: 'iAdvize',
  tokenKey: 'IADVIZE_WEBHOOK_TOKEN',
  configure: (env) =>
    pipe(
      IAdvizeConfigCodec.decode(env),
      map((config) => (deps: SourceDeps) => createIAdvizeSource(config, deps)),
    ),
};
