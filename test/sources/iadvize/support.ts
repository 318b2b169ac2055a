/** Builders shared by the iAdvize source tests. */
import type { Env } from '../../../src/domain/connector';
import { silentLog } from '../../../src/domain/log';
import type { ChatSource, SourceDeps, SourceRequest } from '../../../src/domain/source';
import { iadvizeSource } from '../../../src/sources/iadvize';
import { sign } from '../../emulators/iadvize';
import { fixturesOf } from '../../support/fixtures';
import { sourceRequest } from '../../support/requests';

export const SECRET = 'test-app-secret-token';
export const { dir: FIXTURE_DIR, bytes: fixtureBytes } = fixturesOf('iadvize');

export const sourceFor = (env: Env, deps: Partial<SourceDeps> = {}): ChatSource => {
  const configured = iadvizeSource.configure(env);
  if (configured._tag === 'Left') throw new Error('iAdvize configuration refused');
  return configured.right({ log: silentLog, publicUrl: 'http://chat2crm.test', callTimeoutMs: 2000, syncDeadlineMs: 5000, ...deps });
};

export interface RequestSpec {
  readonly method?: string;
  readonly body?: Buffer | string;
  readonly query?: string;
  readonly contentType?: string;
  /** `undefined`: signed with SECRET; `null`: no header; a string: sent as is. */
  readonly signature?: string | null;
}

/** A request as the HTTP edge hands it over, signed as iAdvize signs by default. */
export const requestOf = (spec: RequestSpec = {}): SourceRequest => {
  const method = spec.method ?? 'POST';
  const rawBody = typeof spec.body === 'string' ? Buffer.from(spec.body) : (spec.body ?? Buffer.alloc(0));
  const rawQuery = spec.query ?? '';
  const signature = spec.signature === undefined ? sign(SECRET, method === 'GET' ? rawQuery : rawBody) : spec.signature;
  const headers = {
    'content-type': spec.contentType ?? (method === 'GET' ? undefined : 'application/json'),
    'x-iadvize-signature': signature ?? undefined,
  };
  return sourceRequest({ method, body: rawBody, query: rawQuery, headers });
};
