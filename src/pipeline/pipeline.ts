/**
 * Intake, inline delivery within the sync deadline, and the background worker, over one store
 * and one connector. Everything an HTTP handler needs is `receive(event)`.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Connector } from '../domain/connector';
import type { ChatEvent } from '../domain/event';
import type { Log } from '../domain/log';
import { decideAction, type RoutingRules } from '../domain/routing';
import type { ConversationKey, QueueStats, Store } from '../storage/store';
import { deliver, type DeliveryDeps, type DeliveryResult } from './delivery';
import { sleep, withTimeout } from './timeout';

export interface PipelineOptions {
  readonly store: Store;
  readonly connector: Connector;
  readonly rules: RoutingRules;
  readonly publicUrl: string;
  readonly syncDeadlineMs: number;
  readonly retryScheduleMs: readonly number[];
  readonly workerConcurrency: number;
  readonly workerPollMs: number;
  /** How long a claimed job stays ours; a process that dies gives it up when this runs out. */
  readonly leaseMs: number;
  /** Per CRM call; kept below the lease so a live process never loses its lease mid-call. */
  readonly callTimeoutMs: number;
  readonly log: Log;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** What the webhook answers: the CRM's own link, or our stable link while it is being delivered. */
export type Answer = { readonly url: string; readonly delivered: boolean } | { readonly url: undefined; readonly delivered: false };

export interface WorkerState {
  readonly running: boolean;
  readonly owner: string;
  readonly inFlight: number;
  readonly lastTickAt?: Date;
}

export interface Pipeline {
  receive(event: ChatEvent): Promise<Answer>;
  stableLink(key: ConversationKey): string;
  startWorker(): void;
  /** Stops taking work, waits up to `graceMs` for deliveries in flight, gives the rest back. */
  stop(graceMs: number): Promise<void>;
  workerState(): WorkerState;
  queueStats(): Promise<QueueStats>;
}

/** When Olark's "Send test" last reached us (the status page shows it). */
export const lastTestSetting = 'olark.last_test_at';

export const createPipeline = (options: PipelineOptions): Pipeline => {
  const { store, connector, log } = options;
  const now = options.now ?? (() => new Date());
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const deps: DeliveryDeps = {
    store,
    connector,
    rules: options.rules,
    retryScheduleMs: options.retryScheduleMs,
    callTimeoutMs: options.callTimeoutMs,
    log,
    now,
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  const delivered = new EventEmitter();
  delivered.setMaxListeners(0);
  const inFlight = new Map<string, Promise<DeliveryResult | undefined>>();
  let workerInFlight = 0;
  let running = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let lastTickAt: Date | undefined;

  const stableLink = (key: ConversationKey): string => {
    const at = key.indexOf(':');
    return `${options.publicUrl}/r/${encodeURIComponent(key.slice(0, at))}/${encodeURIComponent(key.slice(at + 1))}`;
  };

  /** Runs a claimed job; never rejects (a failure to even record the outcome is logged, the lease then expires and another try follows). */
  const run = (jobId: string, conversationKey: ConversationKey, work: () => Promise<DeliveryResult>) => {
    const promise = work()
      .then((result) => {
        delivered.emit(conversationKey, result);
        return result;
      })
      .catch((error: unknown) => {
        log.error({ err: error, job: jobId }, 'delivery could not be recorded; its lease will expire and it will be tried again');
        return undefined;
      })
      .finally(() => {
        inFlight.delete(jobId);
      });
    inFlight.set(jobId, promise);
    return promise;
  };

  const waitForDelivery = (key: ConversationKey, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        delivered.off(key, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      delivered.on(key, done);
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
          void run(job.id, job.conversationKey, () => deliver(deps, owner, job)).finally(() => {
            workerInFlight--;
            // A slot is free: take the next due job now rather than at the next poll.
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

  const receiveTranscript = async (event: ChatEvent): Promise<Answer> => {
    const started = now().getTime();
    const deadline = started + options.syncDeadlineMs;
    // Stored and, unless shutting down, leased to this request in the same transaction.
    const { stored, jobId, claimed } = await store.intake({
      conversation: event.conversation,
      ...(event.forced === undefined ? {} : { forced: event.forced }),
      now: now(),
      ...(stopping ? {} : { claim: { owner, leaseMs: options.leaseMs } }),
    });
    const action = decideAction(stored.conversation, options.rules, stored.forced);
    const fallback: Answer = { url: stableLink(stored.key), delivered: false };
    // Shutting down: the transcript is stored; the next process (or another instance) delivers it.
    if (stopping) return fallback;
    let mine = claimed === undefined ? undefined : run(claimed.id, stored.key, () => deliver(deps, owner, claimed, stored));
    // The record as an earlier delivery left it: its link does not change when it is updated.
    const known = async (): Promise<Answer> => {
      const record = await store.getRecord(stored.key, action, connector.name);
      return record === undefined ? fallback : { url: record.record.url, delivered: true };
    };
    for (;;) {
      const left = deadline - now().getTime();
      if (mine !== undefined) {
        // Our own delivery: wait for it, so the CRM holds this transcript when we answer.
        const result = await withTimeout(mine, Math.max(left, 0), () => undefined);
        if (result?.kind === 'delivered') return { url: result.record.url, delivered: true };
        if (result === undefined || result.kind !== 'lost') return known();
        mine = undefined;
        continue;
      }
      // Another delivery of this conversation is running (here or in another process).
      const answer = await known();
      if (answer.delivered || left <= 0) return answer;
      const job = await store.getJob(jobId);
      if (job?.state === 'dead') return fallback;
      // The CRM failed and the job waits for its next try: no point holding the agent.
      if (job?.state === 'pending' && job.attempts > 0 && job.nextAttemptAt.getTime() > now().getTime()) return fallback;
      if (job?.state === 'pending' && !stopping) {
        const retaken = await store.claimJob(jobId, owner, now(), options.leaseMs);
        if (retaken !== undefined) {
          mine = run(retaken.id, stored.key, () => deliver(deps, owner, retaken));
          continue;
        }
      }
      await waitForDelivery(stored.key, Math.min(left, 50));
    }
  };

  const receive = async (event: ChatEvent): Promise<Answer> => {
    switch (event.kind) {
      case 'test':
        await store.setSetting(lastTestSetting, now().toISOString());
        return { url: `${options.publicUrl}/status`, delivered: false };
      case 'start': {
        const email = event.conversation.visitor.email;
        if (email === undefined) return { url: undefined, delivered: false };
        const found = await withTimeout(connector.findPerson(email), Math.max(options.syncDeadlineMs, 1), () => undefined);
        if (found === undefined || !found.ok) {
          if (found !== undefined && !found.ok) log.warn({ code: found.failure.code }, 'person lookup failed');
          return { url: undefined, delivered: false };
        }
        return found.value === undefined ? { url: undefined, delivered: false } : { url: found.value.url, delivered: true };
      }
      case 'transcript':
      case 'offline': {
        const answer = await receiveTranscript(event);
        // Not delivered inline: its job waits in the queue (the worker's poll would find it too).
        if (!answer.delivered) wake();
        return answer;
      }
    }
  };

  return {
    receive,
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
      // Deliveries still running after the grace period are handed back for another process
      // (or the next start) to take; whatever they still write is written idempotently.
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
