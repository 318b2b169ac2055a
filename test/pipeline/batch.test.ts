/**
 * Batched deliveries (the worker side of issue 30): due `deliver` jobs of different
 * conversations go to the CRM in one `upsertBatch` call, each keeping its own outcome, on SQLite
 * and on PostgreSQL (TEST_DATABASE_URL). The CRM is a connector written here that implements
 * `upsertBatch`, passed in like any collaborator. Jobs are queued by one pipeline whose worker
 * never starts, so the batching worker of another finds them all due at its first claim.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { right } from 'fp-ts/Either';
import type { Connector, UpsertInput } from '../../src/domain/connector';
import type { Conversation } from '../../src/domain/conversation';
import { silentLog } from '../../src/domain/log';
import { RATE_LIMITED, fail, permanent, succeed, transient, type CrmFailure, type Outcome } from '../../src/domain/outcome';
import type { CrmRecord } from '../../src/domain/record';
import type { ChatSource, InboundEvent } from '../../src/domain/source';
import { noObserver, type CallObservation, type Observer, type StepObservation } from '../../src/pipeline/observer';
import { batchSizeOf, createPipeline, pipelineSettingsOf, type Pipeline, type PipelineOptions } from '../../src/pipeline/pipeline';
import { loadConfig } from '../../src/config';
import { openPostgresStore } from '../../src/storage/postgres/store';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import type { Job, Store } from '../../src/storage/store';
import { until } from '../support/expect';
import { testSchema, type TestSchema } from '../support/pg-schema';
import { removeDir, tempDir } from '../support/service';

interface CrmCall {
  readonly kind: 'batch' | 'single';
  readonly ids: readonly string[];
  readonly inputs: readonly UpsertInput[];
  readonly at: number;
  endedAt?: number;
}

/** A CRM with batch upserts: one record per conversation, failures scripted per conversation id. */
const batchCrm = () => {
  const calls: CrmCall[] = [];
  /** Records made, by conversation id (an input without `previous` makes a new one). */
  const created = new Map<string, CrmRecord[]>();
  const failures = new Map<string, CrmFailure[]>();
  const state = { batchThrows: 0, batchLatencyMs: 0 };
  const write = (input: UpsertInput): Outcome<CrmRecord> => {
    const id = input.conversation.id;
    const failure = failures.get(id)?.shift();
    if (failure !== undefined) return fail(failure);
    if (input.previous !== undefined) return succeed(input.previous);
    const made = created.get(id) ?? [];
    const n = [...created.values()].flat().length + 1;
    const record: CrmRecord = {
      crm: 'batchy',
      action: input.action,
      type: input.action,
      id: `r${n}`,
      url: `https://crm.example/r${n}`,
      refs: {},
    };
    created.set(id, [...made, record]);
    return succeed(record);
  };
  const connector: Connector = {
    name: 'batchy',
    batchLimit: 50,
    async upsert(input) {
      const call: CrmCall = { kind: 'single', ids: [input.conversation.id], inputs: [input], at: Date.now() };
      calls.push(call);
      call.endedAt = Date.now();
      return write(input);
    },
    async upsertBatch(inputs) {
      const call: CrmCall = { kind: 'batch', ids: inputs.map((i) => i.conversation.id), inputs, at: Date.now() };
      calls.push(call);
      await new Promise((r) => setTimeout(r, state.batchLatencyMs));
      call.endedAt = Date.now();
      if (state.batchThrows > 0) {
        state.batchThrows--;
        throw new Error('batch connector bug');
      }
      return inputs.map(write);
    },
    findPerson: async () => succeed(undefined),
    check: async () => ({ ok: true, items: [] }),
  };
  // One object: the test sets `batchThrows` and `batchLatencyMs` on what it gets back.
  return Object.assign(state, { calls, created, failures, connector });
};

/** A platform of this test: events come in through `pipeline.receive`, no HTTP. */
const sourceOf = (answerMode: 'sync' | 'ack'): ChatSource => ({
  name: 'batchtest',
  answerMode,
  verify: () => undefined,
  decode: () => right([]),
  answer: () => ({ status: 200, body: {} }),
});
const ack = sourceOf('ack');
const sync = sourceOf('sync');

const chat = (id: string, messages = 1): Conversation => ({
  source: 'batchtest',
  id,
  visitor: { name: `Visitor ${id}` },
  messages: Array.from({ length: messages }, (_, i) => ({
    role: 'visitor',
    author: 'V',
    body: `message ${i + 1}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, i)),
  })),
  tags: [],
  groups: [],
  operators: [],
  offline: false,
});

const event = (id: string, messages = 1): InboundEvent => ({
  kind: 'conversation',
  dedupKey: `${id}-${messages}`,
  conversation: chat(id, messages),
  plan: ['deliver'],
});

const keyOf = (id: string) => `batchtest:${id}`;

/** Generous: other test runs may share this machine's two cores. */
const WAIT_MS = 15_000;

const recording = () => {
  const calls: CallObservation[] = [];
  const steps: StepObservation[] = [];
  const observer: Observer = { ...noObserver, call: (c) => calls.push(c), step: (s) => steps.push(s) };
  return { calls, steps, observer };
};

const backends: readonly {
  readonly name: string;
  readonly open: () => Promise<{ store: Store; close: () => Promise<void> }>;
  readonly schema?: TestSchema;
}[] = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = tempDir('chat2crm-batch-');
      const store = openSqliteStore(join(dir, 'batch.db'));
      return {
        store,
        close: async () => {
          await store.close();
          removeDir(dir);
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    schema: testSchema('batch'),
    open: async () => {
      const schema = testSchema('batch');
      await schema.create();
      const store = await openPostgresStore(schema.url);
      return {
        store,
        close: async () => {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
];

describe('CRM_BATCH_MAX', () => {
  it('is optional, a whole number from 1, and reaches the pipeline as batchMax', () => {
    const unset = loadConfig({});
    assert.ok(unset.ok);
    assert.equal(unset.config.crmBatchMax, undefined);
    assert.equal('batchMax' in pipelineSettingsOf(unset.config), false);
    const one = loadConfig({ CRM_BATCH_MAX: '1' });
    assert.ok(one.ok);
    assert.equal(pipelineSettingsOf(one.config).batchMax, 1);
    for (const bad of ['0', 'ten', '1001']) {
      const refused = loadConfig({ CRM_BATCH_MAX: bad });
      assert.ok(!refused.ok, bad);
      assert.ok(
        refused.errors.some((e) => e.startsWith('CRM_BATCH_MAX')),
        refused.errors.join('; '),
      );
    }
  });

  it("caps the connector's batchLimit, defaults to it, and is 1 for a connector without upsertBatch", () => {
    const { connector } = batchCrm();
    assert.equal(batchSizeOf(connector, undefined), 50);
    assert.equal(batchSizeOf(connector, 10), 10);
    assert.equal(batchSizeOf(connector, 500), 50);
    assert.equal(batchSizeOf(connector, 1), 1);
    const single: Connector = {
      name: 'single',
      batchLimit: 50,
      upsert: (input) => connector.upsert(input),
      findPerson: (email) => connector.findPerson(email),
      check: () => connector.check(),
    };
    assert.equal(batchSizeOf(single, undefined), 1);
    assert.equal(batchSizeOf(single, 20), 1);
  });
});

for (const backend of backends)
  describe(`batched deliveries (${backend.name})`, function () {
    this.timeout(20_000);
    let store: Store;
    let close: () => Promise<void>;
    let crm: ReturnType<typeof batchCrm>;
    let pipelines: Pipeline[];

    beforeEach(async function () {
      if (backend.schema !== undefined && !backend.schema.available) {
        this.skip();
        return;
      }
      ({ store, close } = await backend.open());
      crm = batchCrm();
      pipelines = [];
    });
    afterEach(async () => {
      for (const p of pipelines) await p.stop(2000);
      await close?.();
    });

    const pipelineOf = (options: Partial<PipelineOptions> = {}): Pipeline => {
      const made = createPipeline({
        store,
        connector: crm.connector,
        sources: new Map([['batchtest', ack]]),
        rules: { defaultRecord: 'lead', caseTags: [], caseGroups: [] },
        publicUrl: 'http://127.0.0.1:1',
        syncDeadlineMs: 3000,
        retryScheduleMs: [60_000],
        workerConcurrency: 2,
        workerPollMs: 20,
        leaseMs: 10_000,
        callTimeoutMs: 2000,
        log: silentLog,
        ...options,
      });
      pipelines.push(made);
      return made;
    };

    /** Stores the events as due `deliver` jobs (a pipeline whose worker never starts). */
    const queue = async (...events: InboundEvent[]) => {
      await pipelineOf().receive(ack, events);
    };

    const jobOf = async (id: string): Promise<Job> => {
      const job = await store.latestJob(keyOf(id), 'deliver');
      assert.ok(job !== undefined, `a deliver job for ${id}`);
      return job;
    };

    const recordUrlOf = async (id: string) => (await store.listRecords(keyOf(id))).find((r) => r.record.crm === 'batchy')?.record.url;

    it('sends several due deliveries in one upsertBatch call (one CRM call in the metrics), each job done with its own record', async () => {
      await queue(event('a'), event('b'), event('c'));
      const seen = recording();
      pipelineOf({ observer: seen.observer }).startWorker();
      await until('three deliveries', async () => (await store.queueStats()).done === 3, WAIT_MS);
      assert.deepEqual(
        crm.calls.map((c) => [c.kind, [...c.ids].sort()]),
        [['batch', ['a', 'b', 'c']]],
      );
      for (const id of ['a', 'b', 'c']) {
        const made = crm.created.get(id);
        assert.equal(made?.length, 1, `one record for ${id}`);
        assert.equal(await recordUrlOf(id), made[0]?.url, `${id}'s job carries its own record`);
        assert.deepEqual(
          (await store.listAttempts((await jobOf(id)).id)).map((a) => a.outcome),
          ['ok'],
        );
      }
      assert.equal(seen.calls.filter((c) => c.kind === 'deliver').length, 1, 'one batch call, one CRM call');
      assert.deepEqual(seen.steps.map((s) => [s.conversationKey, s.outcome]).sort(), [
        [keyOf('a'), 'ok'],
        [keyOf('b'), 'ok'],
        [keyOf('c'), 'ok'],
      ]);
    });

    it('settles each job of a batch on its own: a refused record dead, a passing failure retried later, the others done', async () => {
      crm.failures.set('refused', [permanent('CRM_VALIDATION', 'a required field is missing', { status: 400 })]);
      crm.failures.set('busy', [transient('CRM_UNAVAILABLE', 'HubSpot answered 503', { status: 503 })]);
      await queue(event('refused'), event('busy'), event('fine'));
      const seen = recording();
      const started = Date.now();
      pipelineOf({ observer: seen.observer }).startWorker();
      await until(
        'each settled',
        async () => {
          const stats = await store.queueStats();
          return stats.dead === 1 && stats.done === 1 && stats.failing === 1;
        },
        WAIT_MS,
      );
      assert.equal(crm.calls.length, 1);
      assert.equal(crm.calls[0]?.kind, 'batch');
      const refused = await jobOf('refused');
      assert.equal(refused.state, 'dead');
      assert.match(refused.lastError ?? '', /^CRM_VALIDATION:/);
      const busy = await jobOf('busy');
      assert.equal(busy.state, 'pending');
      assert.equal(busy.attempts, 1);
      assert.ok(busy.nextAttemptAt.getTime() >= started + 30_000, 'waits for the schedule (60 s, with jitter)');
      const fine = await jobOf('fine');
      assert.equal(fine.state, 'done');
      assert.equal(await recordUrlOf('fine'), crm.created.get('fine')?.[0]?.url);
      assert.equal(await recordUrlOf('refused'), undefined);
      assert.equal(seen.calls.length, 1, 'one call; it got through, so it is not a failed call');
      assert.equal(seen.calls[0]?.failure, undefined);
    });

    it('does not spend the retry schedule on rate-limited inputs of a batch', async () => {
      // Three 429s for one input against a schedule of one try: counted as ordinary failures it would die.
      crm.failures.set(
        'limited',
        [1, 2, 3].map(() => transient(RATE_LIMITED, 'HubSpot answered 429', { status: 429, retryAfterMs: 20 })),
      );
      await queue(event('limited'), event('other'));
      pipelineOf({ retryScheduleMs: [20] }).startWorker();
      await until('both delivered', async () => (await store.queueStats()).done === 2, WAIT_MS);
      assert.equal((await store.queueStats()).dead, 0);
      assert.deepEqual(
        (await store.listAttempts((await jobOf('limited')).id)).map((a) => a.outcome),
        ['transient', 'transient', 'transient', 'ok'],
      );
      assert.equal(crm.calls[0]?.kind, 'batch');
      assert.deepEqual([...(crm.calls[0]?.ids ?? [])].sort(), ['limited', 'other']);
    });

    it('tries a batch that throws again as single upserts, without spending an attempt on it', async () => {
      crm.batchThrows = 1;
      await queue(event('a'), event('b'), event('c'));
      pipelineOf().startWorker();
      await until('three deliveries', async () => (await store.queueStats()).done === 3, WAIT_MS);
      assert.equal(crm.calls[0]?.kind, 'batch');
      assert.deepEqual(
        crm.calls
          .slice(1)
          .map((c) => [c.kind, c.ids[0]])
          .sort(),
        [
          ['single', 'a'],
          ['single', 'b'],
          ['single', 'c'],
        ],
      );
      for (const id of ['a', 'b', 'c']) {
        assert.equal(crm.created.get(id)?.length, 1);
        assert.deepEqual(
          (await store.listAttempts((await jobOf(id)).id)).map((a) => a.outcome),
          ['ok'],
        );
      }
    });

    it('tries a batch that outlives CRM_TIMEOUT_MS again as single upserts', async () => {
      crm.batchLatencyMs = 600;
      await queue(event('a'), event('b'));
      pipelineOf({ callTimeoutMs: 200 }).startWorker();
      await until('the batch timed out', () => crm.calls.some((c) => c.kind === 'single'), WAIT_MS);
      crm.batchLatencyMs = 0;
      await until('two deliveries', async () => (await store.queueStats()).done === 2, WAIT_MS);
      assert.deepEqual(
        crm.calls.map((c) => c.kind),
        ['batch', 'single', 'single'],
      );
    });

    it('gives the second batch of a conversation its first record as `previous`: one record in the CRM', async () => {
      await queue(event('a'), event('b'));
      const worker = pipelineOf();
      worker.startWorker();
      await until('first batch', async () => (await store.queueStats()).done === 2, WAIT_MS);
      const first = crm.created.get('a')?.[0];
      assert.ok(first !== undefined);
      // Both queued before a worker looks again (a worker polling meanwhile could take `a` alone).
      await worker.stop(1000);
      await queue(event('a', 2), event('c'));
      pipelineOf().startWorker();
      await until('second batch', async () => (await store.queueStats()).done === 4, WAIT_MS);
      assert.deepEqual(
        crm.calls.map((c) => [c.kind, [...c.ids].sort()]),
        [
          ['batch', ['a', 'b']],
          ['batch', ['a', 'c']],
        ],
      );
      const again = crm.calls[1]?.inputs.find((i) => i.conversation.id === 'a');
      assert.deepEqual(again?.previous, first);
      assert.equal(again?.conversation.messages.length, 2, 'the newer transcript');
      assert.equal(crm.created.get('a')?.length, 1, 'one record for the conversation');
      assert.equal(await recordUrlOf('a'), first.url);
    });

    it('makes one call per delivery with CRM_BATCH_MAX=1, and batches of at most CRM_BATCH_MAX otherwise', async () => {
      await queue(event('a'), event('b'), event('c'));
      pipelineOf({ batchMax: 1 }).startWorker();
      await until('three deliveries', async () => (await store.queueStats()).done === 3, WAIT_MS);
      assert.deepEqual(
        crm.calls.map((c) => c.kind),
        ['single', 'single', 'single'],
      );
      await pipelines.at(-1)?.stop(1000);

      crm.calls.length = 0;
      await queue(event('d'), event('e'), event('f'), event('g'), event('h'));
      pipelineOf({ batchMax: 2, workerConcurrency: 1 }).startWorker();
      await until('five more', async () => (await store.queueStats()).done === 8, WAIT_MS);
      assert.ok(
        crm.calls.every((c) => c.ids.length <= 2),
        JSON.stringify(crm.calls.map((c) => c.ids)),
      );
      assert.ok(crm.calls.some((c) => c.kind === 'batch' && c.ids.length === 2));
    });

    it('runs a sync delivery at once, while a batch call is in flight on the only worker slot', async () => {
      crm.batchLatencyMs = 3000;
      await queue(event('a'), event('b'));
      const worker = pipelineOf({ workerConcurrency: 1, callTimeoutMs: 5000 });
      worker.startWorker();
      await until('the batch call started', () => crm.calls.some((c) => c.kind === 'batch'), WAIT_MS);
      const started = Date.now();
      const [answer] = await worker.receive(sync, [event('agent-waiting')]);
      const took = Date.now() - started;
      assert.equal(answer?.kind, 'record');
      assert.ok(took < 2000, `answered in ${took} ms, not after the batch's 3 s`);
      const batch = crm.calls.find((c) => c.kind === 'batch');
      assert.equal(batch?.endedAt, undefined, 'the batch was still running');
      assert.deepEqual(
        crm.calls.filter((c) => c.kind === 'single').map((c) => c.ids),
        [['agent-waiting']],
      );
      await until('the batch ends', async () => (await store.queueStats()).done === 3, WAIT_MS);
    });
  });
