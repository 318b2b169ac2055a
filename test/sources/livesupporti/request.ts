import type { SourceRequest } from '../../../src/domain/source';

/** A SourceRequest as the edge builds it (header names lower-cased). */
export const sourceRequest = (
  init: { method?: string; body?: string | Buffer; query?: string; headers?: Record<string, string> } = {},
): SourceRequest => {
  const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: init.method ?? 'POST',
    rawBody: Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body ?? '', 'utf8'),
    rawQuery: init.query ?? '',
    header: (name) => headers.get(name.toLowerCase()),
  };
};

export const SECRET = 'livesupporti-test-secret-0123456789abcdef';
