/**
 * Prometheus metrics (prom-client), one registry per app instance: several services can run in
 * one process (tests) without sharing counters. Counters are fed by the pipeline's observer; the
 * queue gauges are read from the store at scrape time. Names follow
 * https://prometheus.io/docs/practices/naming/ (`_total` counters, base units in `_seconds`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RATE_LIMITED } from '../domain/errors';
import type { JobState, QueueStats } from '../storage/store';
import { callOutcome, type Observer } from '../pipeline/observer';

const PREFIX = 'chat2crm_';
const JOB_STATES: readonly JobState[] = ['pending', 'running', 'done', 'dead', 'expired'];

export interface Metrics {
  readonly observer: Observer;
  readonly contentType: string;
  /** The exposition text of every metric of this instance. */
  text(): Promise<string>;
}

export const createMetrics = (deps: { readonly queueStats: () => Promise<QueueStats>; readonly now?: () => Date }): Metrics => {
  const now = deps.now ?? (() => new Date());
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const webhooks = new Counter({
    name: `${PREFIX}webhooks_received_total`,
    help: 'Webhook events taken in (stored, duplicate, ignored, test) and requests refused at the webhook edge (rejected: 4xx, failed: 5xx), by platform.',
    labelNames: ['source', 'outcome'] as const,
    registers,
  });
  const rejected = new Counter({
    name: `${PREFIX}webhooks_rejected_total`,
    help: 'Webhook requests refused with a 4xx, by platform and error code (the codes of /openapi.json).',
    labelNames: ['source', 'code'] as const,
    registers,
  });
  const steps = new Counter({
    name: `${PREFIX}steps_total`,
    help: 'Step attempts by kind (fetch, lookup, deliver, notify) and what they did to the step (ok, skipped, retry, dead, expired, lost).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const stepSeconds = new Histogram({
    name: `${PREFIX}step_duration_seconds`,
    help: 'How long one attempt of a step took, outside calls included.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const calls = new Counter({
    name: `${PREFIX}outside_calls_total`,
    help: 'Calls to the CRM (lookup, deliver) and to platform APIs (fetch, notify), by target and outcome (ok, transient, permanent).',
    labelNames: ['target', 'outcome'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: `${PREFIX}outside_rate_limited_total`,
    help: 'Outside calls answered "too many requests" (HTTP 429 or the CRM limiter), by target.',
    labelNames: ['target'] as const,
    registers,
  });

  const queueJobs = new Gauge({
    name: `${PREFIX}queue_jobs`,
    help: 'Steps (jobs) in the store by state; failing = pending or running after a failed attempt.',
    labelNames: ['state'] as const,
    registers,
  });
  const oldestPending = new Gauge({
    name: `${PREFIX}oldest_pending_step_age_seconds`,
    help: 'Age of the oldest pending step (0 when none is pending).',
    registers,
  });
  /** Read once per scrape, before the registry renders. Storage down: the queue gauges are left out rather than failing the scrape. */
  const readQueue = async () => {
    queueJobs.reset();
    oldestPending.reset();
    const stats = await deps.queueStats().catch(() => undefined);
    if (stats === undefined) return;
    for (const state of JOB_STATES) queueJobs.set({ state }, stats[state]);
    queueJobs.set({ state: 'failing' }, stats.failing);
    oldestPending.set(stats.oldestPendingAt === undefined ? 0 : Math.max(0, (now().getTime() - stats.oldestPendingAt.getTime()) / 1000));
  };

  const observer: Observer = {
    webhook(source, outcome, code) {
      webhooks.inc({ source, outcome });
      if (outcome === 'rejected') rejected.inc({ source, code: code ?? 'INTERNAL' });
    },
    step({ kind, outcome, seconds }) {
      steps.inc({ kind, outcome });
      stepSeconds.observe({ kind }, seconds);
    },
    call({ target, failure }) {
      calls.inc({ target, outcome: callOutcome(failure) });
      if (failure !== undefined && failure.kind === 'transient' && (failure.code === RATE_LIMITED || failure.status === 429))
        rateLimited.inc({ target });
    },
  };

  return {
    observer,
    contentType: registry.contentType,
    async text() {
      await readQueue();
      return registry.metrics();
    },
  };
};
