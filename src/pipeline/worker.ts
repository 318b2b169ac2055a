/**
 * The background worker: one tick at a time claims due steps, as many as there are free slots
 * (WORKER_CONCURRENCY: CRM or platform calls at once), and runs them; a finished step wakes it.
 * With batching (a connector with `upsertBatch`, CRM_BATCH_MAX above 1) a slot runs one batch
 * call of up to `batch.size` `deliver` jobs, so a tick claims enough jobs to fill its batches.
 */
import type { Log } from '../domain/log';
import type { Job, Store } from '../storage/store';
import type { BatchJobResult } from './delivery-batch';
import type { StepResult } from './settle';
import type { StepsInFlight } from './steps-in-flight';

export interface WorkerDeps {
  readonly store: Store;
  readonly owner: string;
  readonly leaseMs: number;
  /** Calls at once (a batch is one call). */
  readonly concurrency: number;
  readonly pollMs: number;
  readonly log: Log;
  readonly now: () => Date;
  readonly steps: StepsInFlight;
  /** One attempt of one claimed step. */
  readonly runOne: (job: Job) => Promise<StepResult>;
  /** Present when deliveries are batched: at most `size` (above 1) jobs per `deliver` call. */
  readonly batch?: {
    readonly size: number;
    /** How long a due delivery may wait for a fuller batch while other steps are due (ClaimMix `waitMs`). */
    readonly waitMs: number;
    readonly deliver: (jobs: readonly Job[]) => readonly Promise<BatchJobResult>[];
  };
}

export interface Worker {
  start(): void;
  /** Takes no more work (what runs goes on); `start` takes it up again. */
  halt(): void;
  /** Looks for due work now. */
  wake(): void;
  readonly running: () => boolean;
  readonly lastTickAt: () => Date | undefined;
}

/** What a slot runs: one step, or one batch call of `deliver` steps. */
type Unit = { readonly kind: 'one'; readonly job: Job } | { readonly kind: 'batch'; readonly jobs: Job[] };

export const createWorker = (deps: WorkerDeps): Worker => {
  const { store, owner, log, now, steps } = deps;
  const size = deps.batch?.size ?? 1;
  let running = false;
  let halted = false;
  let timer: NodeJS.Timeout | undefined;
  let lastTickAt: Date | undefined;
  let busy = 0;
  /**
   * Jobs whose batch call failed as a whole, handed back to be tried alone (delivery-batch.ts);
   * by when to forget them (another process may have taken them meanwhile).
   */
  const alone = new Map<string, number>();

  /** Claim order is kept; `deliver` jobs are gathered into batches (of one: a single step). */
  const unitsOf = (jobs: readonly Job[]): Unit[] => {
    const units: Unit[] = [];
    let open: Job[] | undefined;
    for (const job of jobs) {
      // Forgotten only once it runs alone (runUnit): a job given back for want of a slot stays marked.
      const batchable = deps.batch !== undefined && job.kind === 'deliver' && !alone.has(job.id);
      if (!batchable) {
        units.push({ kind: 'one', job });
        continue;
      }
      if (open === undefined || open.length >= size) {
        open = [];
        units.push({ kind: 'batch', jobs: open });
      }
      open.push(job);
    }
    return units.map((u) => (u.kind === 'batch' && u.jobs.length === 1 && u.jobs[0] !== undefined ? { kind: 'one', job: u.jobs[0] } : u));
  };

  const runUnit = (unit: Unit): Promise<unknown> => {
    if (unit.kind === 'one') {
      alone.delete(unit.job.id);
      return steps.run(unit.job, () => deps.runOne(unit.job));
    }
    const results = deps.batch?.deliver(unit.jobs) ?? [];
    return Promise.all(
      unit.jobs.map((job, i) =>
        steps.run(job, async () => {
          const result = await results[i];
          if (result?.kind !== 'alone') return result;
          // The batch call failed as a whole (a throw, a timeout): it tells nothing about this
          // record, and one bad input or the batch's size may be the cause. The job goes back
          // to be tried alone with `upsert` at the next claim, with a fresh lease and one call's
          // timeout (trying it here, after the batch's timeout, could outlive the lease); no
          // attempt is spent on it. Marked before it is released, so no tick can batch it again.
          alone.set(job.id, now().getTime() + 10 * deps.leaseMs);
          const released = await release(job);
          if (released) wake();
          return released ? result : ({ kind: 'lost' } as const);
        }),
      ),
    );
  };

  /** Gives a claimed job back, due now and unattempted; false when it was not ours any more (or could not be written: its lease then runs out). */
  const release = async (job: Job): Promise<boolean> => {
    try {
      return await store.finishJob({ jobId: job.id, owner, now: now(), result: { kind: 'release', nextAttemptAt: now() } });
    } catch (error) {
      log.error({ err: error, job: job.id }, 'could not release job; its lease will expire');
      return false;
    }
  };

  /**
   * Units claimed beyond the free slots go back at once, unattempted: a batch-sized claim may
   * bring steps other than `deliver`, each of which needs a slot of its own.
   */
  const giveBack = async (units: readonly Unit[]) => {
    for (const unit of units) for (const job of unit.kind === 'one' ? [unit.job] : unit.jobs) await release(job);
  };

  /** One tick at a time: a wake-up during a claim asks for another tick right after it. */
  let ticking = false;
  let tickAgain = false;
  const tick = async (): Promise<void> => {
    timer = undefined;
    if (!running || halted) return;
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = true;
    lastTickAt = now();
    try {
      const free = deps.concurrency - busy;
      if (free > 0) {
        const at = now().getTime();
        for (const [id, until] of alone) if (until < at) alone.delete(id);
        const units = unitsOf(
          await store.claimDueJobs(
            owner,
            now(),
            deps.leaseMs,
            free,
            deps.batch === undefined ? undefined : { kind: 'deliver', size, waitMs: deps.batch.waitMs },
          ),
        );
        for (const unit of units.slice(0, free)) {
          busy++;
          void runUnit(unit).finally(() => {
            busy--;
            // A slot is free (and a finished step may have queued the next): look again now.
            wake();
          });
        }
        // Every slot is taken now; the first unit to end wakes the worker.
        if (units.length > free) await giveBack(units.slice(free));
      }
    } catch (error) {
      log.error({ err: error }, 'worker could not claim jobs');
    } finally {
      ticking = false;
    }
    const soon = tickAgain;
    tickAgain = false;
    schedule(soon ? 0 : deps.pollMs);
  };

  const schedule = (ms: number) => {
    if (!running || halted || timer !== undefined) return;
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

  return {
    start() {
      if (running && !halted) return;
      running = true;
      halted = false;
      schedule(0);
    },
    halt() {
      halted = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    wake,
    running: () => running && !halted,
    lastTickAt: () => lastTickAt,
  };
};
