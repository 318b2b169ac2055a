/**
 * One builder of step dependencies (src/pipeline/step-deps.ts) for the worker, the console and
 * `npm run replay`: the pipeline's replay takes the service's settings and gives a platform step
 * the step timeout (four fifths of the lease), not one call's CRM_TIMEOUT_MS.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRight } from 'fp-ts/Either';
import { silentLog } from '../../src/domain/log';
import type { ChatSource } from '../../src/domain/source';
import { createPipeline } from '../../src/pipeline/pipeline';
import type { ReplayTarget } from '../../src/pipeline/replay';
import { stepDeps, stepSettingsOf, type StepSettings } from '../../src/pipeline/step-deps';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import type { Store } from '../../src/storage/store';
import { scriptedCrm } from '../support/scripted-crm';
import { removeDir, tempDir } from '../support/service';
import { toySource, type ToySource } from '../support/toy-source';

/** The pipeline's replay (its worker not started), as `npm run replay` makes it. */
const replayDeadJobs = (settings: StepSettings, target: ReplayTarget) =>
  createPipeline({
    ...settings,
    publicUrl: 'http://127.0.0.1:1',
    syncDeadlineMs: 100,
    workerConcurrency: 1,
    workerPollMs: 1000,
  }).replay(target);

describe('step dependencies', () => {
  it('give platform steps four fifths of the lease, from the service configuration', () => {
    const settings = stepSettingsOf({
      routing: { defaultRecord: 'lead', caseTags: [], caseGroups: [] },
      retryScheduleMs: [5],
      crmTimeoutMs: 100,
      jobLeaseMs: 2000,
    });
    assert.deepEqual([settings.callTimeoutMs, settings.leaseMs], [100, 2000]);
    const deps = stepDeps({
      ...settings,
      store: openSqliteStore(':memory:'),
      connector: scriptedCrm().connector,
      sources: new Map(),
      log: silentLog,
    });
    assert.deepEqual([deps.callTimeoutMs, deps.stepTimeoutMs, deps.leaseMs], [100, 1600, 2000]);
    return deps.store.close();
  });

  describe('pipeline.replay (the console and npm run replay)', () => {
    let dir: string;
    let store: Store;
    let toy: ToySource;
    let source: ChatSource;
    beforeEach(() => {
      dir = tempDir('chat2crm-step-deps-');
      store = openSqliteStore(join(dir, 'test.db'));
      toy = toySource();
      const made = toy.definition.configure({});
      assert.ok(isRight(made));
      source = made.right({ log: silentLog, publicUrl: 'http://127.0.0.1:1', callTimeoutMs: 100, syncDeadlineMs: 100 });
    });
    afterEach(async () => {
      await store.close();
      removeDir(dir);
    });

    it('runs a replayed fetch longer than CRM_TIMEOUT_MS within the step timeout', async () => {
      const conversation = { source: 'toy', id: 'slow', visitor: {}, messages: [], tags: [], groups: [], operators: [], offline: false };
      const { claimed } = await store.intake({
        conversation,
        plan: ['fetch', 'deliver'],
        now: new Date(),
        claim: { owner: 'test', leaseMs: 60_000 },
      });
      assert.ok(claimed !== undefined);
      await store.finishJob({
        jobId: claimed.id,
        owner: 'test',
        now: new Date(),
        result: { kind: 'dead', error: { code: 'TOY_REFUSED', message: 'no' } },
      });
      toy.fetchLatencyMs = 300;
      const settings = stepSettingsOf({
        routing: { defaultRecord: 'lead', caseTags: [], caseGroups: [] },
        retryScheduleMs: [5],
        crmTimeoutMs: 100,
        jobLeaseMs: 2000,
      });
      const lines = await replayDeadJobs(
        { ...settings, store, connector: scriptedCrm().connector, sources: new Map([['toy', source]]), log: silentLog },
        { ids: [claimed.id] },
      );
      assert.deepEqual(
        lines.map((l) => [l.step, l.outcome]),
        [['fetch', 'delivered']],
        JSON.stringify(lines),
      );
      assert.equal(toy.fetches.length, 1);
    });

    it('still gives up on a fetch slower than the step timeout (a transient CALL_TIMEOUT)', async function () {
      this.timeout(5000);
      const conversation = { source: 'toy', id: 'slower', visitor: {}, messages: [], tags: [], groups: [], operators: [], offline: false };
      const { claimed } = await store.intake({ conversation, plan: ['fetch'], now: new Date(), claim: { owner: 'test', leaseMs: 60_000 } });
      assert.ok(claimed !== undefined);
      await store.finishJob({
        jobId: claimed.id,
        owner: 'test',
        now: new Date(),
        result: { kind: 'dead', error: { code: 'TOY_REFUSED', message: 'no' } },
      });
      toy.fetchLatencyMs = 1200;
      const settings = stepSettingsOf({
        routing: { defaultRecord: 'lead', caseTags: [], caseGroups: [] },
        retryScheduleMs: [5],
        crmTimeoutMs: 100,
        jobLeaseMs: 1000,
      });
      const lines = await replayDeadJobs(
        { ...settings, store, connector: scriptedCrm().connector, sources: new Map([['toy', source]]), log: silentLog },
        { ids: [claimed.id] },
      );
      assert.equal(lines[0]?.outcome, 'retrying');
      assert.match(lines[0]?.detail ?? '', /^CALL_TIMEOUT: the toy API did not answer within 800 ms/);
    });
  });
});
