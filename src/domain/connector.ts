import type * as t from 'io-ts';
import { map as mapEitherCurried, type Either } from 'fp-ts/Either';
import type { Conversation } from './conversation';
import type { Action } from './event';
import type { LocalDelivery, LocalRecordStore } from './local-records';
import type { Log } from './log';
import type { MappedFields, Mapping } from './mapping';
import type { Outcome } from './outcome';
import type { CrmPerson, CrmRecord } from './record';

export interface UpsertInput {
  readonly action: Action;
  readonly conversation: Conversation;
  /** What the last successful delivery of this conversation created, if any. */
  readonly previous?: CrmRecord;
  /**
   * The field values MAPPING_FILE maps this conversation to (src/domain/mapping); absent when
   * no mapping is configured. Connectors apply them and never read the file.
   */
  readonly fields?: MappedFields;
}

export interface CheckItem {
  readonly name: string;
  readonly ok: boolean;
  /** What was found, and what to do when it is wrong. */
  readonly detail: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly items: readonly CheckItem[];
}

/** A CRM. Implementations live in connectors/<name>/ and import only src/domain. */
export interface Connector {
  readonly name: string;
  /** Create or update the record(s) for this conversation; must be idempotent. */
  upsert(input: UpsertInput): Promise<Outcome<CrmRecord>>;
  /**
   * A connector that can write its record in the service's own database: `upsert` as the write
   * the store makes, so that a sync webhook's delivery commits with its intake, in one
   * transaction, and the agent's answer waits for nothing else (src/pipeline/delivery.ts
   * `deliveryHere` is the one place the pipeline asks for it). Absent: deliveries call `upsert`.
   */
  readonly inStore?: (input: UpsertInput) => LocalDelivery;
  /**
   * Several conversations' upserts in as few calls as the CRM's batch APIs allow (HubSpot's batch
   * upsert and create, Salesforce's sObject Collections). One outcome per input, in the same order:
   * a record the CRM refused fails that input alone, the others succeed; a batch that fails as a
   * whole fails every input with that failure. Each input is a different conversation. Must be
   * idempotent like `upsert`. Absent: the worker calls `upsert` for each.
   */
  upsertBatch?(inputs: readonly UpsertInput[]): Promise<readonly Outcome<CrmRecord>[]>;
  /** The most inputs `upsertBatch` takes at once (HubSpot 100, Salesforce 200). */
  readonly batchLimit?: number;
  /** The CRM person for an email, if any (start events, duplicate avoidance). */
  findPerson(email: string): Promise<Outcome<CrmPerson | undefined>>;
  /** Credentials and prerequisites (custom fields, pipelines): a report a person can act on. */
  check(): Promise<CheckReport>;
  /** Creates what the CRM needs (custom properties, …) idempotently; `npm run setup` calls it. */
  setup?(): Promise<CheckReport>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}

/** What the service hands every connector factory. */
export interface ConnectorDeps {
  readonly log: Log;
  /** Base URL of this service (for the local CRM's record pages). */
  readonly publicUrl: string;
  /**
   * MAPPING_FILE's mapping, for `check()`/`setup()` to verify that every mapped field exists in
   * the CRM; deliveries use UpsertInput `fields` instead. Absent: nothing mapped.
   */
  readonly mapping?: Mapping;
}

/**
 * What start-up hands the registry's factory: every connector's deps and the service's own
 * database, which only a connector that keeps its records there (the local CRM's registry
 * entry) is given; `defineConnector`'s factories never see it.
 */
export interface RegistryDeps extends ConnectorDeps {
  readonly localRecords: LocalRecordStore;
}

export type ConnectorFactory = (deps: RegistryDeps) => Promise<Connector>;

/** The environment as the process sees it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One registry entry: a connector's own configuration codec over the environment (its
 * `HUBSPOT_*`/`SALESFORCE_*` keys) bound to its factory. Start-up decodes the configuration of
 * the selected connector together with the core keys, so every bad key is listed at once.
 */
export interface ConnectorDefinition {
  readonly name: string;
  /** Decodes the connector's keys; the factory it returns loads the connector's code on first use. */
  configure(env: Env): Either<t.Errors, ConnectorFactory>;
}

const mapEither = <E, A, B>(e: Either<E, A>, f: (a: A) => B): Either<E, B> => mapEitherCurried(f)(e);

/**
 * `load` imports the connector's module lazily, so a process only pays (in memory and start-up
 * time) for the CRM SDK it uses. The connector gets ConnectorDeps only: the service's database
 * stays with the service.
 */
export const defineConnector = <C>(
  name: string,
  config: t.Decoder<Env, C>,
  load: () => Promise<(config: C, deps: ConnectorDeps) => Connector>,
): ConnectorDefinition => ({
  name,
  configure: (env) =>
    mapEither(
      config.decode(env),
      (decoded) =>
        async ({ localRecords: _service, ...deps }: RegistryDeps) =>
          (await load())(decoded, deps),
    ),
});
