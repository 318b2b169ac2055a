/**
 * runBackfill with its collaborators passed in: how it pages, saves and resumes, and what it does
 * with each kind of failure from the platform's listing. (The script, the emulator and SQLite
 * together: test/scripts/backfill.test.ts.)
 */
import assert from 'node:assert/strict';
import { fail, permanent, RATE_LIMITED, succeed, transient, type Outcome } from '../../src/domain/outcome';
import type { ArchivePage, ArchiveQuery, InboundEvent } from '../../src/domain/source';
import { runBackfill, type BackfillDeps } from '../../src/pipeline/backfill';
import { backfillSetting, readBackfillState } from '../../src/pipeline/backfill-state';

const event = (id: string): InboundEvent => ({
  kind: 'conversation',
  dedupKey: `k:${id}`,
  conversation: { source: 'toy', id, visitor: {}, messages: [], tags: [], groups: [], operators: [], offline: false },
  plan: ['fetch', 'deliver'],
});

const RANGE = { source: 'toy', since: new Date('2026-01-01T00:00:00Z') };

/** Pages `p0`, `p1`, … of two events each; `answers` may replace the answer to the n-th call. */
const harness = (pages: number, answers: Record<number, Outcome<ArchivePage>> = {}) => {
  const settings = new Map<string, string>();
  const queries: ArchiveQuery[] = [];
  const waits: number[] = [];
  const seen = new Set<string>();
  const deps: BackfillDeps = {
    list: async (query) => {
      queries.push(query);
      const answer = answers[queries.length - 1];
      if (answer !== undefined) return answer;
      const n = query.cursor === undefined ? 0 : Number(query.cursor.slice(1));
      return succeed({ events: [event(`${n}a`), event(`${n}b`)], found: pages * 2, ...(n + 1 < pages ? { cursor: `p${n + 1}` } : {}) });
    },
    intake: async (events) => {
      let queued = 0;
      for (const e of events) if (!seen.has(e.dedupKey)) (seen.add(e.dedupKey), queued++);
      return { queued, known: events.length - queued };
    },
    getSetting: async (key) => settings.get(key),
    setSetting: async (key, value) => void settings.set(key, value),
    stopRequested: () => false,
    sleep: async (ms) => void waits.push(ms),
    now: () => new Date('2026-12-06T12:00:00Z'),
    backoffMs: [100, 200],
  };
  return {
    deps,
    settings,
    queries,
    waits,
    seen,
    stopAfter: (check: () => boolean): BackfillDeps => {
      let stop = false;
      return { ...deps, stopRequested: () => (stop = stop || check()) };
    },
  };
};

describe('runBackfill', () => {
  it('pages to the end, saves where it stands, and has nothing to do once done', async () => {
    const h = harness(3);
    const end = await runBackfill(h.deps, RANGE);
    assert.equal(end.kind, 'done');
    assert.equal(end.state.queued, 6);
    assert.deepEqual(
      h.queries.map((q) => q.cursor),
      [undefined, 'p1', 'p2'],
    );
    assert.equal(readBackfillState(h.settings.get(backfillSetting(RANGE)))?.status, 'done');
    const again = await runBackfill(h.deps, RANGE);
    assert.equal(again.kind, 'already-done');
    assert.equal(h.queries.length, 3);
  });

  it('stops between pages and goes on from the saved cursor', async () => {
    const h = harness(4);
    const stopped = await runBackfill(
      h.stopAfter(() => h.queries.length === 2),
      RANGE,
    );
    assert.equal(stopped.kind, 'stopped');
    assert.equal(stopped.state.cursor, 'p2');
    const resumed = await runBackfill(h.deps, RANGE);
    assert.equal(resumed.kind, 'done');
    assert.deepEqual(
      h.queries.map((q) => q.cursor),
      [undefined, 'p1', 'p2', 'p3'],
    );
    assert.equal(resumed.state.queued, 8);
    assert.equal(resumed.state.known, 0);
  });

  it('waits out 429s as long as asked, without counting them, and backs off other transient failures', async () => {
    const limited = fail(transient(RATE_LIMITED, 'rate limited', { status: 429, retryAfterMs: 3000 }));
    const h = harness(2, {
      1: limited,
      2: limited,
      3: limited,
      4: fail(transient('LIVECHAT_UNAVAILABLE', 'down')),
      5: fail(transient('LIVECHAT_UNAVAILABLE', 'down')),
    });
    const end = await runBackfill(h.deps, RANGE);
    assert.equal(end.kind, 'done');
    assert.deepEqual(h.waits, [3000, 3000, 3000, 100, 200]);
  });

  it('stops as failed after its backoff runs out, and a later run goes on from the last page taken in', async () => {
    const down = fail(transient('LIVECHAT_UNAVAILABLE', 'down'));
    const h = harness(3, { 1: down, 2: down, 3: down });
    const end = await runBackfill(h.deps, RANGE);
    assert.equal(end.kind, 'failed');
    assert.match(end.state.error ?? '', /^LIVECHAT_UNAVAILABLE: down$/);
    assert.equal(end.state.cursor, 'p1');
    const again = await runBackfill(h.deps, RANGE);
    assert.equal(again.kind, 'done');
    assert.equal(again.state.queued, 6);
  });

  it('lists from the start when the saved cursor is refused (a lapsed page id), recognising what it took before', async () => {
    const h = harness(3);
    await runBackfill(
      h.stopAfter(() => h.queries.length === 2),
      RANGE,
    );
    const lapsed = harness(3, { 0: fail(permanent('LIVECHAT_VALIDATION', 'page_id is invalid')) });
    const settings = h.settings;
    const end = await runBackfill(
      {
        ...lapsed.deps,
        getSetting: async (k) => settings.get(k),
        setSetting: async (k, v) => void settings.set(k, v),
        intake: h.deps.intake,
      },
      RANGE,
    );
    assert.equal(end.kind, 'done');
    assert.deepEqual(
      lapsed.queries.map((q) => q.cursor),
      ['p2', undefined, 'p1', 'p2'],
    );
    assert.equal(end.state.queued, 6);
    assert.equal(end.state.known, 4);
  });

  it('fails on a permanent refusal of a fresh listing, and writes nothing in a dry run', async () => {
    const h = harness(2, { 0: fail(permanent('LIVECHAT_FORBIDDEN', 'missing scope')) });
    const end = await runBackfill(h.deps, RANGE);
    assert.equal(end.kind, 'failed');
    const dry = harness(2);
    const counted = await runBackfill(dry.deps, RANGE, { dryRun: true });
    assert.equal(counted.kind, 'done');
    assert.equal(counted.state.listed, 4);
    assert.equal(dry.settings.size, 0);
    assert.equal(dry.seen.size, 0);
  });
});
