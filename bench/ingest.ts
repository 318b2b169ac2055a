/**
 * Section 1, ingest: Olark transcripts per second and latency at 1, 16 and 64 connections,
 * chat2crm (local CRM) against a bare Koa app with the same bodies and the same autocannon
 * settings. Each request is a new conversation; REPEAT_SHARE of them repeat an earlier one with a
 * longer transcript (an update, as when Olark posts a chat again).
 */
import autocannon from 'autocannon';
import { FORM_TYPE, newConversation, olarkBody, type Conversation } from './payloads';

export const CONNECTIONS = [1, 16, 64] as const;
const REPEAT_SHARE = 0.2;

export interface LoadResult {
  readonly connections: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Non-2xx answers plus connection errors and timeouts: should be 0. */
  readonly failures: number;
}

export interface IngestRow {
  readonly connections: number;
  readonly ours: LoadResult;
  readonly bare: LoadResult;
  /** ours / bare requests per second. */
  readonly ratio: number;
}

/** Fresh bodies per request; a pool of earlier conversations provides the repeats. */
const bodySource = () => {
  const earlier: { c: Conversation; lines: number }[] = [];
  return (): string => {
    if (earlier.length > 0 && Math.random() < REPEAT_SHARE) {
      const entry = earlier[Math.floor(Math.random() * earlier.length)];
      if (entry !== undefined) {
        entry.lines += 2;
        return olarkBody(entry.c, entry.lines);
      }
    }
    const c = newConversation();
    // A bounded pool: repeats go to recent conversations, as in a live chat desk.
    if (earlier.length >= 500) earlier.shift();
    earlier.push({ c, lines: 2 });
    return olarkBody(c, 2);
  };
};

/** `next` makes each request's body (default: Olark form posts, 20 % repeats). */
export const load = async (
  url: string,
  connections: number,
  durationSec: number,
  next: () => string = bodySource(),
  contentType: string = FORM_TYPE,
): Promise<LoadResult> => {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: durationSec,
    headers: { 'content-type': contentType },
    requests: [{ setupRequest: (request) => ({ ...request, method: 'POST', body: next() }) }],
  });
  return {
    connections,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
};

export const runIngest = async (
  targets: { ours: string; bare: string },
  durationSec: number,
  log: (line: string) => void,
): Promise<IngestRow[]> => {
  // JIT and SQLite page cache warm-up, not measured.
  log('  warm-up (2 s each)');
  await load(targets.ours, 16, 2);
  await load(targets.bare, 16, 2);
  const rows: IngestRow[] = [];
  for (const connections of CONNECTIONS) {
    log(`  ${connections} connection(s): chat2crm ${durationSec} s, bare Koa ${durationSec} s`);
    const ours = await load(targets.ours, connections, durationSec);
    const bare = await load(targets.bare, connections, durationSec);
    rows.push({ connections, ours, bare, ratio: bare.requestsPerSec === 0 ? 0 : ours.requestsPerSec / bare.requestsPerSec });
  }
  return rows;
};
