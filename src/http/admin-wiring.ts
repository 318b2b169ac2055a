/**
 * What the console needs from the running service, assembled from start()'s parts: the
 * platforms with their tokens and checks, replay over the service's own step dependencies, the
 * CRM check.
 */
import type { Config } from '../config';
import type { Connector } from '../domain/connector';
import type { Log } from '../domain/log';
import type { ChatSource } from '../domain/source';
import { replayDeadJobs } from '../pipeline/replay';
import type { Observer } from '../pipeline/observer';
import { stepSettingsOf, type StepSettings } from '../pipeline/step-deps';
import type { Store } from '../storage/store';
import type { AdminDeps } from './routes/admin';
import type { MountedSource } from './routes/webhooks';

export const consoleDeps = (input: {
  readonly config: Pick<Config, 'sources' | 'publicUrl' | 'routing' | 'mapping' | 'retryScheduleMs' | 'crmTimeoutMs' | 'jobLeaseMs'>;
  readonly store: Store;
  readonly connector: Connector;
  readonly sources: ReadonlyMap<string, ChatSource>;
  readonly mounted: readonly MountedSource[];
  readonly stableLink: (key: string) => string;
  readonly passwordDigest: Buffer;
  readonly log: Log;
  /** The pipeline's observer, so replayed steps count in the metrics like any other. */
  readonly observer?: Observer;
}): AdminDeps => {
  const { config, store, connector } = input;
  const steps: StepSettings = {
    store,
    connector,
    sources: input.sources,
    ...stepSettingsOf(config),
    log: input.log,
    ...(input.observer === undefined ? {} : { observer: input.observer }),
  };
  return {
    store,
    passwordDigest: input.passwordDigest,
    publicUrl: config.publicUrl,
    crm: connector.name,
    platforms: input.mounted.map(({ source, token }) => {
      const client = source.client;
      return {
        name: source.name,
        title: config.sources.find((s) => s.definition.name === source.name)?.definition.title ?? source.name,
        token,
        ...(client?.check === undefined ? {} : { check: () => client.check?.() ?? Promise.resolve([]) }),
      };
    }),
    stableLink: input.stableLink,
    replay: (jobIds) => replayDeadJobs(steps, { ids: jobIds }),
    checkCrm: () => connector.check(),
    ...(config.mapping === undefined ? {} : { mapping: config.mapping }),
  };
};
