/**
 * What the console needs from the running service, assembled from start()'s parts: the
 * platforms with their tokens and checks, the pipeline's replay, the CRM check.
 */
import type { Config } from '../config';
import type { Connector } from '../domain/connector';
import type { Pipeline } from '../pipeline/pipeline';
import type { Store } from '../storage/store';
import type { AdminDeps } from './routes/admin';
import type { MountedSource } from './routes/webhooks';

export const consoleDeps = (input: {
  readonly config: Pick<Config, 'sources' | 'publicUrl' | 'mapping'>;
  readonly store: Store;
  readonly connector: Connector;
  readonly mounted: readonly MountedSource[];
  /** Its replay runs a step with the worker's own step dependencies, observer included. */
  readonly pipeline: Pick<Pipeline, 'replay' | 'stableLink'>;
  readonly passwordDigest: Buffer;
}): AdminDeps => {
  const { config, store, connector, pipeline } = input;
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
    stableLink: (key) => pipeline.stableLink(key),
    replay: (jobIds) => pipeline.replay({ ids: jobIds }),
    checkCrm: () => connector.check(),
    ...(config.mapping === undefined ? {} : { mapping: config.mapping }),
  };
};
