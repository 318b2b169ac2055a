/** The source registry: one line per chat platform. Each gets `/webhooks/<name>/<token>`. */
import type { SourceDefinition } from '../domain/source';
import { iadvizeSource } from './iadvize';
import { livechatSource } from './livechat';
import { livesupportiSource } from './livesupporti';
import { olarkSource } from './olark';

export const sources = {
  olark: olarkSource,
  livechat: livechatSource,
  livesupporti: livesupportiSource,
  iadvize: iadvizeSource,
} as const satisfies Record<string, SourceDefinition>;

export type SourceName = keyof typeof sources;
export const sourceDefinitions: readonly SourceDefinition[] = Object.values(sources);

/**
 * Per platform, the keys without which it refuses its webhooks (401): until they are set the
 * platform is "not configured", and the start-up banner says so in one line instead of its
 * setup notes. Olark needs nothing but its URL.
 */
export const sourceSetupKeys: Readonly<Record<string, readonly string[]>> = {
  olark: [],
  livechat: ['LIVECHAT_WEBHOOK_SECRET'],
  livesupporti: ['LIVESUPPORTI_WEBHOOK_SECRET'],
  iadvize: ['IADVIZE_WEBHOOK_SECRET'],
} satisfies Record<SourceName, readonly string[]>;
