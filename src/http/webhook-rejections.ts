/**
 * Remembers, per platform, the last webhook it refused (its error code and when), for the
 * console's platforms page: a wrong token or secret shows there, not only in the log. Nothing
 * of the request is kept. Runs around the webhook edge, outside it.
 */
import type Koa from 'koa';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { errorCatalogue, type ErrorCode } from '../domain/errors';
import { parseJsonSafe } from '../domain/json';
import { isClientRefusal, refusalOf } from './refusal';
import type { AppState } from './middleware';

export const lastRejectedSetting = (source: string): string => `${source}.last_rejected`;

/** A burst of refusals (a misconfigured platform retrying) writes once a second at most. */
const MIN_INTERVAL_MS = 1000;

/** A code the catalogue no longer has (stored by another version) reads as no refusal. */
const Stored = t.type({ at: t.string, code: t.keyof(errorCatalogue) });

export const readRejection = (value: string | undefined): { readonly at: Date; readonly code: ErrorCode } | undefined => {
  if (value === undefined) return undefined;
  const parsed = parseJsonSafe(value, 'setting');
  if (isLeft(parsed)) return undefined;
  const decoded = Stored.decode(parsed.right);
  if (isLeft(decoded)) return undefined;
  const at = new Date(decoded.right.at);
  return Number.isNaN(at.getTime()) ? undefined : { at, code: decoded.right.code };
};

const WEBHOOK_SOURCE = /^\/webhooks\/([^/]+)\//;

export const rememberRejections = (deps: {
  readonly sources: readonly string[];
  readonly setSetting: (key: string, value: string) => Promise<void>;
  readonly now?: () => Date;
}): Koa.Middleware<AppState> => {
  const now = deps.now ?? (() => new Date());
  const known = new Set(deps.sources);
  const lastWrite = new Map<string, { at: number; code: string }>();
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const source = WEBHOOK_SOURCE.exec(ctx.path)?.[1];
      // Classified as the answer and the metrics classify it (refusal.ts).
      const refused = refusalOf(error);
      if (source !== undefined && known.has(source) && isClientRefusal(refused)) {
        const at = now();
        const previous = lastWrite.get(source);
        if (previous === undefined || previous.code !== refused.code || at.getTime() - previous.at >= MIN_INTERVAL_MS) {
          lastWrite.set(source, { at: at.getTime(), code: refused.code });
          // The answer does not wait for this, and a failure here is only a stale console line.
          deps.setSetting(lastRejectedSetting(source), JSON.stringify({ at: at.toISOString(), code: refused.code })).catch((e: unknown) => {
            ctx.state.log.warn({ err: e, source }, 'could not remember the refused webhook');
          });
        }
      }
      throw error;
    }
  };
};
