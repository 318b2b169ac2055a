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
