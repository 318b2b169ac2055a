/**
 * Intake, the steps run inline within a sync webhook's deadline, the background worker and
 * replay, over one store, one connector and the registered platforms: this file puts the parts
 * together (intake.ts, inline-runner.ts, worker.ts, answers.ts, services.ts). What an HTTP
 * handler needs is `receive(source, events)`.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { Connector } from '../domain/connector';
import type { ConversationKey } from '../domain/conversation-key';
import type { Log } from '../domain/log';
import type { Mapping } from '../domain/mapping';
import type { RoutingRules } from '../domain/routing';
import type { ChatSource, InboundEvent, SourceServices, SyncResult } from '../domain/source';
import type { QueueStats, Store } from '../storage/store';
import { answers } from './answers';
import { deliverBatch } from './delivery-batch';
import { deliveryHere } from './delivery';
import { inlineRunner } from './inline-runner';
import { intake } from './intake';
import { stableLinkOf } from './links';
import { noObserver, type Observer } from './observer';
import { replayDeadJobs, type ReplayLine, type ReplayTarget } from './replay';
import { sourceServices } from './services';
import { stepDeps, stepSettingsOf } from './step-deps';
import { runStep } from './steps';
import { stepsInFlight } from './steps-in-flight';
import { sleep } from './timeout';
import { createWorker } from './worker';

export { intakeInputOf, lastTestSetting } from './intake';

export interface PipelineOptions {
  readonly store: Store;
  readonly connector: Connector;
  readonly sources: ReadonlyMap<string, ChatSource>;
  readonly rules: RoutingRules;
  /** MAPPING_FILE's field mapping; absent: nothing mapped. */
  readonly mapping?: Mapping;
  readonly publicUrl: string;
  readonly syncDeadlineMs: number;
  readonly retryScheduleMs: readonly number[];
  readonly workerConcurrency: number;
  readonly workerPollMs: number;
  /**
   * CRM_BATCH_MAX: the most `deliver` jobs the worker sends in one call, for a connector with
   * `upsertBatch` (and never more than its `batchLimit`); 1: one call per delivery. Absent: the
   * connector's `batchLimit`.
   */
  readonly batchMax?: number;
  /** CRM_BATCH_WAIT_MS: how long a due delivery may wait for its batch to fill while other steps are due (default 0). */
  readonly batchWaitMs?: number;
  /** How long a claimed job stays ours; a process that dies gives it up when this runs out. */
  readonly leaseMs: number;
  /** Per CRM or platform call (a batch call too); kept below the lease so a live process never loses its lease mid-call. */
  readonly callTimeoutMs: number;
  readonly log: Log;
  /** Told what happens to every event and step (metrics, alerts). */
  readonly observer?: Observer;
  readonly now?: () => Date;
  readonly random?: () => number;
}

export interface WorkerState {
  readonly running: boolean;
  readonly owner: string;
  readonly inFlight: number;
  readonly lastTickAt?: Date;
}

export interface Pipeline {
  /** Stores the events (a throw means nothing of the failing event was stored), then runs or queues their steps. */
  receive(source: ChatSource, events: readonly InboundEvent[]): Promise<SyncResult[]>;
  /** What the source's own routes may use. */
  services(source: ChatSource): SourceServices;
  stableLink(key: ConversationKey): string;
  startWorker(): void;
  /** Stops taking work, waits up to `graceMs` for steps in flight, gives the rest back. */
  stop(graceMs: number): Promise<void>;
  workerState(): WorkerState;
  queueStats(): Promise<QueueStats>;
  /** Replays dead steps, each tried once now with the worker's step dependencies (the console's Replay, `npm run replay`). */
  replay(target: ReplayTarget): Promise<ReplayLine[]>;
}

/** The pipeline's settings in the service's configuration (the step settings, the worker's, the sync deadline). */
export const pipelineSettingsOf = (
  config: Parameters<typeof stepSettingsOf>[0] &
    Pick<Config, 'publicUrl' | 'syncDeadlineMs' | 'workerConcurrency' | 'workerPollMs' | 'crmBatchMax' | 'crmBatchWaitMs'>,
) => ({
  ...stepSettingsOf(config),
  publicUrl: config.publicUrl,
  syncDeadlineMs: config.syncDeadlineMs,
  workerConcurrency: config.workerConcurrency,
  workerPollMs: config.workerPollMs,
  ...(config.crmBatchMax === undefined ? {} : { batchMax: config.crmBatchMax }),
  batchWaitMs: config.crmBatchWaitMs,
});

/** How many `deliver` jobs go in one call: 1 when the connector cannot batch or CRM_BATCH_MAX is 1. */
export const batchSizeOf = (connector: Connector, batchMax: number | undefined): number => {
  if (connector.upsertBatch === undefined) return 1;
  const limit = connector.batchLimit ?? batchMax ?? 1;
  return Math.max(1, Math.min(limit, batchMax ?? limit));
};

export const createPipeline = (options: PipelineOptions): Pipeline => {
  const { store, connector, log } = options;
  const now = options.now ?? (() => new Date());
  const observer = options.observer ?? noObserver;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const deps = stepDeps({
    store,
    connector,
    sources: options.sources,
    rules: options.rules,
    ...(options.mapping === undefined ? {} : { mapping: options.mapping }),
    retryScheduleMs: options.retryScheduleMs,
    callTimeoutMs: options.callTimeoutMs,
    leaseMs: options.leaseMs,
    log,
    now,
    observer,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  let stopping = false;
  const steps = stepsInFlight(log);
  const stableLink = (key: ConversationKey): string => stableLinkOf(options.publicUrl, key);
  const answered = answers(store, connector, stableLink);
  const size = batchSizeOf(connector, options.batchMax);
  const upsertBatch = connector.upsertBatch?.bind(connector);
  const worker = createWorker({
    store,
    owner,
    leaseMs: options.leaseMs,
    concurrency: options.workerConcurrency,
    pollMs: options.workerPollMs,
    log,
    now,
    steps,
    runOne: (job) => runStep(deps, owner, job),
    ...(size > 1 && upsertBatch !== undefined
      ? { batch: { size, waitMs: options.batchWaitMs ?? 0, deliver: (jobs) => deliverBatch(deps, owner, jobs, upsertBatch) } }
      : {}),
  });
  const receiveOne = intake({
    store,
    owner,
    leaseMs: options.leaseMs,
    syncDeadlineMs: options.syncDeadlineMs,
    publicUrl: options.publicUrl,
    log,
    observer,
    now,
    answers: answered,
    runInline: inlineRunner({ deps, owner, steps, answers: answered, stopping: () => stopping }),
    here: deliveryHere(deps),
    wake: () => worker.wake(),
    stopping: () => stopping,
  });

  const receive = async (source: ChatSource, events: readonly InboundEvent[]): Promise<SyncResult[]> => {
    const results: SyncResult[] = [];
    for (const event of events) results.push(await receiveOne(source, event));
    return results;
  };

  return {
    receive,
    services: sourceServices(store, connector, stableLink, receive),
    stableLink,
    startWorker() {
      stopping = false;
      worker.start();
    },
    async stop(graceMs) {
      stopping = true;
      worker.halt();
      await Promise.race([Promise.allSettled([...steps.running.values()]), sleep(graceMs)]);
      // Steps still running after the grace period are handed back for another process (or
      // the next start) to take; whatever they still write is written idempotently.
      for (const jobId of steps.running.keys()) {
        try {
          await store.finishJob({ jobId, owner, now: now(), result: { kind: 'release', nextAttemptAt: now() } });
        } catch (error) {
          log.error({ err: error, job: jobId }, 'could not release job');
        }
      }
    },
    workerState() {
      const lastTickAt = worker.lastTickAt();
      return {
        running: worker.running() && !stopping,
        owner,
        inFlight: steps.running.size,
        ...(lastTickAt === undefined ? {} : { lastTickAt }),
      };
    },
    queueStats: () => store.queueStats(),
    replay: (target) => replayDeadJobs(deps, target),
  };
};
