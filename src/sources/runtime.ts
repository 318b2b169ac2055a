import type { Config } from '../config';
import type { Log } from '../domain/log';
import type { ChatSource } from '../domain/source';

/** The configured platforms at run time, by name (the service, replay and setup build them alike). */
export const createSources = (
  config: Pick<Config, 'sources' | 'publicUrl' | 'crmTimeoutMs' | 'syncDeadlineMs'>,
  log: Log,
): Map<string, ChatSource> =>
  new Map(
    config.sources.map((configured) => {
      const source = configured.create({
        log: log.child({ source: configured.definition.name }),
        publicUrl: config.publicUrl,
        callTimeoutMs: config.crmTimeoutMs,
        syncDeadlineMs: config.syncDeadlineMs,
      });
      return [source.name, source];
    }),
  );
