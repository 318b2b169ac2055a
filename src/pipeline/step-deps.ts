/**
 * The one place a step's dependencies are assembled: the pipeline's worker, the console's
 * Replay and `npm run replay` all run steps with what `stepDeps` makes, so a replayed step gets
 * the same limits as a step the worker runs (a platform step: four fifths of the lease).
 */
import type { Config } from '../config';
import type { Connector } from '../domain/connector';
import type { Log } from '../domain/log';
import type { Mapping } from '../domain/mapping';
import type { RoutingRules } from '../domain/routing';
import type { ChatSource } from '../domain/source';
import type { Store } from '../storage/store';
import type { Observer } from './observer';
import type { StepDeps } from './steps';

/** What every runner of steps has: the service's parts and its step settings. */
export interface StepSettings {
  readonly store: Store;
  readonly connector: Connector;
  readonly sources: ReadonlyMap<string, ChatSource>;
  readonly rules: RoutingRules;
  /** MAPPING_FILE's field mapping; absent: connectors get no `fields`. */
  readonly mapping?: Mapping;
  readonly retryScheduleMs: readonly number[];
  /** Per CRM call (CRM_TIMEOUT_MS). */
  readonly callTimeoutMs: number;
  /** How long a claimed step stays ours (JOB_LEASE_MS). */
  readonly leaseMs: number;
  readonly log: Log;
  readonly now?: () => Date;
  readonly observer?: Observer;
  readonly random?: () => number;
}

export type RunnerDeps = StepDeps & { readonly leaseMs: number };

/** Four fifths of the lease: a step that takes longer gives up (transient) before its lease could lapse. */
export const stepTimeoutFor = (leaseMs: number): number => Math.floor(leaseMs * 0.8);

/** The step settings of the service's configuration. */
export const stepSettingsOf = (config: Pick<Config, 'routing' | 'mapping' | 'retryScheduleMs' | 'crmTimeoutMs' | 'jobLeaseMs'>) => ({
  rules: config.routing,
  ...(config.mapping === undefined ? {} : { mapping: config.mapping }),
  retryScheduleMs: config.retryScheduleMs,
  callTimeoutMs: config.crmTimeoutMs,
  leaseMs: config.jobLeaseMs,
});

export const stepDeps = (settings: StepSettings): RunnerDeps => ({
  store: settings.store,
  connector: settings.connector,
  sources: settings.sources,
  rules: settings.rules,
  ...(settings.mapping === undefined ? {} : { mapping: settings.mapping }),
  retryScheduleMs: settings.retryScheduleMs,
  callTimeoutMs: settings.callTimeoutMs,
  stepTimeoutMs: stepTimeoutFor(settings.leaseMs),
  leaseMs: settings.leaseMs,
  log: settings.log,
  now: settings.now ?? (() => new Date()),
  ...(settings.observer === undefined ? {} : { observer: settings.observer }),
  ...(settings.random === undefined ? {} : { random: settings.random }),
});
