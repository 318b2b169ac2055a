/**
 * Requests as the HTTP edge hands them to a ChatSource (src/domain/source.ts): the one builder the
 * source tests use, whatever the platform; a platform's helper that signs or encodes builds on it.
 */
import type { SourceRequest } from '../../src/domain/source';

export interface RequestInit {
  readonly method?: string;
  readonly body?: string | Buffer;
  readonly query?: string;
  /** Any case; a header set to undefined is absent. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** A SourceRequest as the edge builds it (header names lower-cased). */
export const sourceRequest = (init: RequestInit = {}): SourceRequest => {
  const headers = new Map(Object.entries(init.headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v] as const])));
  return {
    method: init.method ?? 'POST',
    rawBody: Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body ?? '', 'utf8'),
    rawQuery: init.query ?? '',
    header: (name) => headers.get(name.toLowerCase()),
  };
};
