/**
 * Intake, the steps run inline within a sync webhook's deadline, and the background worker,
 * over one store, one connector and the registered platforms. What an HTTP handler needs is
 * `receive(source, events)`.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Connector } from '../domain/connector';
import type { ConversationKey } from '../domain/conversation-key';
import type { Log } from '../domain/log';
import type { Mapping } from '../domain/mapping';
import type { RoutingRules } from '../domain/routing';
import type { ChatSource, InboundEvent, SourceServices, SyncResult } from '../domain/source';
import type { IntakeInput, Job, QueueStats, Store, StoredConversation } from '../storage/store';
import { noObserver, type Observer } from './observer';
import type { StepResult } from './settle';
import { runStep } from './steps';
import { stepDeps } from './step-deps';
import { announceDeliveredHere, deliveryHere } from './delivery';
import { sleep, withTimeout } from './timeout';
import { stableLinkOf } from './links';

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
  /** How long a claimed job stays ours; a process that dies gives it up when this runs out. */
  readonly leaseMs: number;
  /** Per CRM or platform call; kept below the lease so a live process never loses its lease mid-call. */
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
}

/** What intake stores for a conversation event (webhooks and `npm run backfill` alike). */
export const intakeInputOf = (event: Extract<InboundEvent, { kind: 'conversation' }>, now: Date): IntakeInput => ({
  conversation: event.conversation,
  dedupKey: event.dedupKey,
  plan: event.plan,
  ...(event.forced === undefined ? {} : { forced: event.forced }),
  ...(event.meta === undefined ? {} : { meta: event.meta }),
  ...(event.expiresAt === undefined ? {} : { expiresAt: event.expiresAt }),
  now,
});

/** When a platform's "send test" last reached us (the status page shows it). */
export const lastTestSetting = (source: string): string => `${source}.last_test_at`;

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
  const deliverHere = deliveryHere(deps);
  const finished = new EventEmitter();
  finished.setMaxListeners(0);
  const inFlight = new Map<string, Promise<StepResult | undefined>>();
  let workerInFlight = 0;
  let running = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let lastTickAt: Date | undefined;

  const stableLink = (key: ConversationKey): string => stableLinkOf(options.publicUrl, key);

  /** Runs a claimed step; never rejects (a failure to even record the outcome is logged, the lease then expires and another try follows). */
  const run = (job: Job, work: () => Promise<StepResult>) => {
    const promise = work()
      .then((result) => {
        finished.emit(job.conversationKey, result);
        return result;
      })
      .catch((error: unknown) => {
        log.error(
          { err: error, job: job.id, step: job.kind },
          'step could not be recorded; its lease will expire and it will be tried again',
        );
        return undefined;
      })
      .finally(() => {
        inFlight.delete(job.id);
      });
    inFlight.set(job.id, promise);
    return promise;
  };

  const waitForStep = (key: ConversationKey, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(waiting);
        finished.off(key, done);
        resolve();
      };
      const waiting = setTimeout(done, ms);
      finished.on(key, done);
    });

  /** One tick at a time: a wake-up during a claim asks for another tick right after it. */
  let ticking = false;
  let tickAgain = false;
  const tick = async (): Promise<void> => {
    timer = undefined;
    if (!running || stopping) return;
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = true;
    lastTickAt = now();
    try {
      const free = options.workerConcurrency - workerInFlight;
      if (free > 0) {
        const jobs = await store.claimDueJobs(owner, now(), options.leaseMs, free);
        for (const job of jobs) {
          workerInFlight++;
          void run(job, () => runStep(deps, owner, job)).finally(() => {
            workerInFlight--;
            // A slot is free (and a finished step may have queued the next): look again now.
            wake();
          });
        }
      }
    } catch (error) {
      log.error({ err: error }, 'worker could not claim jobs');
    } finally {
      ticking = false;
    }
    const soon = tickAgain;
    tickAgain = false;
    schedule(soon ? 0 : options.workerPollMs);
  };

  const schedule = (ms: number) => {
    if (!running || stopping || timer !== undefined) return;
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };

  const wake = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    schedule(0);
  };

  /** What the agent is shown for this conversation now. */
  const answerFor = async (key: ConversationKey, plan: readonly string[]): Promise<SyncResult> => {
    if (plan.includes('deliver')) {
      const record = (await store.listRecords(key)).find((r) => r.record.crm === connector.name);
      if (record !== undefined) return { kind: 'record', url: record.record.url };
    }
    if (plan.includes('lookup')) {
      const stored = await store.getConversation(key);
      if (stored?.person !== undefined) return { kind: 'person', url: stored.person.url };
    }
    return plan.includes('deliver') ? { kind: 'pending', url: stableLink(key) } : { kind: 'none' };
  };

  /** A step that will not finish soon: failed and waiting for its next try, or ended. */
  const settled = (job: Job | undefined) =>
    job === undefined ||
    job.state === 'dead' ||
    job.state === 'expired' ||
    (job.state === 'done' && job.then.length === 0) ||
    (job.state === 'pending' && job.attempts > 0 && job.nextAttemptAt.getTime() > now().getTime());

  /**
   * Runs the conversation's steps here until they are done or the deadline passes: our own
   * claimed step first, then the steps it queues; a step held elsewhere is waited for.
   */
  const runInline = async (
    stored: StoredConversation,
    plan: readonly string[],
    first: { jobId?: string; claimed?: Job },
    deadline: number,
  ): Promise<SyncResult> => {
    const key = stored.key;
    let jobId = first.jobId;
    const claimed = first.claimed;
    // Intake claimed it in the same transaction as `stored`: nothing newer can be waiting on it.
    let mine: Promise<StepResult | undefined> | undefined =
      claimed === undefined ? undefined : run(claimed, () => runStep(deps, owner, claimed, stored, deadline));
    for (;;) {
      const left = deadline - now().getTime();
      if (mine !== undefined) {
        const result = await withTimeout(mine, Math.max(left, 0), () => undefined);
        mine = undefined;
        if (result === undefined) return answerFor(key, plan);
        if (result.kind === 'lost') continue;
        if (result.kind !== 'done') return answerFor(key, plan);
        // Just delivered: that record is the conversation's newest in this CRM, no need to read it back.
        if (result.record !== undefined && result.record.crm === connector.name && plan.includes('deliver'))
          return { kind: 'record', url: result.record.url };
      }
      const answer = await answerFor(key, plan);
      if (answer.kind === 'record' || left <= 0 || jobId === undefined) return answer;
      const job = await store.getJob(jobId);
      if (job?.state === 'done') {
        // Our step is done: the next one of the plan, if any, was queued with it.
        const next = job.then[0];
        const queued = next === undefined ? undefined : await store.latestJob(key, next);
        if (queued === undefined || queued.createdAt.getTime() < job.createdAt.getTime()) return answerFor(key, plan);
        jobId = queued.id;
        continue;
      }
      if (settled(job)) return answer;
      if (job?.state === 'pending' && !stopping) {
        const retaken = await store.claimJob(job.id, owner, now(), options.leaseMs);
        if (retaken !== undefined) {
          mine = run(retaken, () => runStep(deps, owner, retaken, undefined, deadline));
          continue;
        }
      }
      await waitForStep(key, Math.min(left, 50));
    }
  };

  const receiveOne = async (source: ChatSource, event: InboundEvent): Promise<SyncResult> => {
    switch (event.kind) {
      case 'ignored':
        log.debug({ source: source.name, reason: event.reason }, 'event ignored');
        observer.webhook(source.name, 'ignored');
        return { kind: 'none' };
      case 'test':
        await store.setSetting(lastTestSetting(source.name), now().toISOString());
        observer.webhook(source.name, 'test');
        return { kind: 'test', statusUrl: `${options.publicUrl}/status` };
      case 'conversation':
        break;
    }
    const sync = source.answerMode === 'sync';
    const started = now().getTime();
    const plan = event.plan;
    const intake = await store.intake({
      ...intakeInputOf(event, now()),
      ...(sync && !stopping ? { claim: { owner, leaseMs: options.leaseMs }, ...(deliverHere === undefined ? {} : { deliverHere }) } : {}),
    });
    if (intake.duplicate) log.debug({ source: source.name }, 'event seen before');
    observer.webhook(source.name, intake.duplicate ? 'duplicate' : 'stored');
    // Stored: from here on the answer cannot fail. Whatever goes wrong now is logged, and the
    // steps go on in the worker (here or in another process).
    try {
      if (!sync || stopping) {
        wake();
        return await answerFor(intake.stored.key, plan);
      }
      if (intake.delivered !== undefined) {
        announceDeliveredHere(deps, intake.stored.key, intake.delivered);
        if (intake.jobId === undefined) return { kind: 'record', url: intake.delivered.record.url };
      }
      const result = await runInline(intake.stored, plan, intake, started + options.syncDeadlineMs);
      if (result.kind === 'pending') wake();
      return result;
    } catch (error) {
      log.error({ err: error, source: source.name }, 'stored, but its steps could not run now; the worker will run them');
      wake();
      return plan.includes('deliver') ? { kind: 'pending', url: stableLink(intake.stored.key) } : { kind: 'none' };
    }
  };

  const services = (source: ChatSource): SourceServices => ({
    findPerson: (email) => connector.findPerson(email),
    async recordLink(conversationId) {
      const record = (await store.listRecords(`${source.name}:${conversationId}`)).find((r) => r.record.crm === connector.name);
      return record?.record.url;
    },
    async recordLinkForVisitor(visitorId) {
      return (await store.recordForVisitor(source.name, visitorId, connector.name))?.record.url;
    },
    receive: (events) => receive(source, events),
    stableLink: (conversationId) => stableLink(`${source.name}:${conversationId}`),
  });

  const receive = async (source: ChatSource, events: readonly InboundEvent[]): Promise<SyncResult[]> => {
    const results: SyncResult[] = [];
    for (const event of events) results.push(await receiveOne(source, event));
    return results;
  };

  return {
    receive,
    services,
    stableLink,
    startWorker() {
      if (running) return;
      running = true;
      stopping = false;
      schedule(0);
    },
    async stop(graceMs) {
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const pending = [...inFlight.values()];
      await Promise.race([Promise.allSettled(pending), sleep(graceMs)]);
      // Steps still running after the grace period are handed back for another process (or
      // the next start) to take; whatever they still write is written idempotently.
      for (const jobId of inFlight.keys()) {
        try {
          await store.finishJob({ jobId, owner, now: now(), result: { kind: 'release', nextAttemptAt: now() } });
        } catch (error) {
          log.error({ err: error, job: jobId }, 'could not release job');
        }
      }
      running = false;
    },
    workerState() {
      return { running: running && !stopping, owner, inFlight: inFlight.size, ...(lastTickAt === undefined ? {} : { lastTickAt }) };
    },
    queueStats: () => store.queueStats(),
  };
};
