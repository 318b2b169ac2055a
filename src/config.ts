/**
 * The service's whole configuration, decoded once from the environment (and `.env`) by
 * `loadConfig`. Every key is documented in `.env.example`; a bad key stops start-up with one
 * message that lists every problem.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { connectorNames, connectors, type ConnectorName } from '../connectors';
import type { ConnectorFactory, Env } from './domain/connector';
import type { ChatSource, SourceDefinition, SourceDeps } from './domain/source';
import { sourceDefinitions, sourceSetupKeys } from './sources';
import type { Action } from './domain/event';
import type { RoutingRules } from './domain/routing';
import type { Mapping } from './domain/mapping';
import { MappingFile } from './mapping-file';
import {
  DurationList,
  HttpUrl,
  IntFromString,
  LowerCaseList,
  NonEmptyString,
  OneOf,
  describeErrors,
  optional,
  withDefault,
} from './domain/codecs';

export type DatabaseConfig = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

const DatabaseUrl = new t.Type<DatabaseConfig, string, unknown>(
  'DatabaseUrl',
  (u): u is DatabaseConfig => typeof u === 'object' && u !== null,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be sqlite:<path> or postgres://…');
    const value = u.trim();
    if (value.startsWith('sqlite:')) {
      const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      return path.length > 0
        ? t.success({ kind: 'sqlite', path })
        : t.failure(u, c, 'sqlite: needs a file path, e.g. sqlite:data/chat2crm.db');
    }
    if (/^postgres(ql)?:\/\//.test(value)) return t.success({ kind: 'postgres', url: value });
    return t.failure(u, c, 'must be sqlite:<path> (e.g. sqlite:data/chat2crm.db) or postgres://user:pass@host:5432/db');
  },
  (d) => (d.kind === 'sqlite' ? `sqlite:${d.path}` : d.url),
);

/**
 * Any non-blank path segment is accepted (a short one is warned about at start-up, see
 * `weakTokenWarning`): refusing to start over a token someone already pasted into Olark would be
 * worse than a weak one.
 */
const Token = new t.Type<string, string, unknown>(
  'Token',
  (u): u is string => typeof u === 'string',
  (u, c) =>
    typeof u === 'string' && /^[^\s/?#]{1,256}$/.test(u.trim())
      ? t.success(u.trim())
      : t.failure(u, c, 'must be 1 to 256 characters without spaces, /, ? or # (leave it unset to have a strong one generated)'),
  String,
);

/** Sent as `Authorization: Bearer <token>`, so one word. */
const BearerToken = new t.Type<string, string, unknown>(
  'BearerToken',
  (u): u is string => typeof u === 'string',
  (u, c) =>
    typeof u === 'string' && /^\S{1,256}$/.test(u.trim())
      ? t.success(u.trim())
      : t.failure(u, c, 'must be 1 to 256 characters without spaces'),
  String,
);

/** The console password, as typed into the browser's prompt: any characters but spaces at its ends. */
const AdminPassword = new t.Type<string, string, unknown>(
  'AdminPassword',
  (u): u is string => typeof u === 'string',
  (u, c) =>
    typeof u === 'string' && u.length >= 8 && u.length <= 256 && u.trim() === u && !u.includes(':')
      ? t.success(u)
      : t.failure(u, c, 'must be 8 to 256 characters, without a colon or spaces at either end (leave it unset to have one generated)'),
  String,
);

/** Tokens shorter than this can be guessed; start-up says so. */
export const STRONG_TOKEN_LENGTH = 16;

const LogLevel = OneOf('LogLevel', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const);
const RecordType = OneOf<Action>('RecordType', ['lead', 'case']);
const CrmName = OneOf<ConnectorName>('Crm', connectorNames);

/** Core keys; each connector decodes its own `HUBSPOT_*` / `SALESFORCE_*` keys. */
const CoreEnv = t.type({
  PORT: withDefault(IntFromString('Port', 0, 65535), '3000'),
  HOST: withDefault(NonEmptyString, '0.0.0.0'),
  PUBLIC_URL: optional(HttpUrl),
  DATABASE_URL: withDefault(DatabaseUrl, 'sqlite:data/chat2crm.db'),
  CRM: withDefault(CrmName, 'local'),
  DEFAULT_RECORD: withDefault(RecordType, 'lead'),
  CASE_TAGS: withDefault(LowerCaseList, 'case,support'),
  CASE_GROUPS: withDefault(LowerCaseList, ''),
  SYNC_DEADLINE_MS: withDefault(IntFromString('Milliseconds', 0, 120_000), '8000'),
  RETRY_SCHEDULE: withDefault(DurationList, '5s,30s,2m,10m,30m,2h,6h'),
  WORKER_CONCURRENCY: withDefault(IntFromString('Concurrency', 1, 64), '4'),
  WORKER_POLL_MS: withDefault(IntFromString('Milliseconds', 10, 60_000), '1000'),
  CRM_TIMEOUT_MS: withDefault(IntFromString('Milliseconds', 100, 300_000), '30000'),
  CRM_BATCH_MAX: optional(IntFromString('Count', 1, 1000)),
  CRM_BATCH_WAIT_MS: withDefault(IntFromString('Milliseconds', 0, 60_000), '2000'),
  JOB_LEASE_MS: withDefault(IntFromString('Milliseconds', 1000, 3_600_000), '60000'),
  LOG_LEVEL: withDefault(LogLevel, 'info'),
  ADMIN_PASSWORD: optional(AdminPassword),
  RETENTION_DAYS: optional(IntFromString('Days', 1, 36_500)),
  METRICS_TOKEN: optional(BearerToken),
  ALERT_WEBHOOK_URL: optional(HttpUrl),
  MAPPING_FILE: optional(MappingFile),
});

export interface ConfiguredSource {
  readonly definition: SourceDefinition;
  readonly create: (deps: SourceDeps) => ChatSource;
  /** `<SOURCE>_WEBHOOK_TOKEN`; unset: generated on first start and kept in the database. */
  readonly token?: string;
  /**
   * The platform's keys it refuses its webhooks without (`sourceSetupKeys`) that are unset: the
   * platform is not configured yet, and the start-up banner gives it one line.
   */
  readonly unsetKeys: readonly string[];
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  /** PUBLIC_URL was not set: links point at localhost (start-up warns). */
  readonly publicUrlDefaulted: boolean;
  readonly database: DatabaseConfig;
  readonly crm: ConnectorName;
  /** Builds the configured connector; its own configuration is already decoded. */
  readonly createConnector: ConnectorFactory;
  /** The chat platforms SOURCES turns on (default: every registered one), their own keys decoded. */
  readonly sources: readonly ConfiguredSource[];
  readonly routing: RoutingRules;
  readonly syncDeadlineMs: number;
  readonly retryScheduleMs: readonly number[];
  readonly workerConcurrency: number;
  readonly workerPollMs: number;
  readonly crmTimeoutMs: number;
  /**
   * The most deliveries the worker sends in one CRM call, for a CRM with batch APIs (never more
   * than the connector's own limit); 1: one call per delivery. Unset: the connector's limit.
   */
  readonly crmBatchMax?: number;
  /**
   * While other steps (the fetches of a burst) are due, how long a due delivery may wait for its
   * batch to fill before it goes in a smaller one; 0: never. Nothing waits when no other step is due.
   */
  readonly crmBatchWaitMs: number;
  readonly jobLeaseMs: number;
  readonly logLevel: t.TypeOf<typeof LogLevel>;
  /** The console's password (user `admin`); unset: generated on first start, printed once. */
  readonly adminPassword?: string;
  /** Transcripts of delivered conversations older than this many days are removed daily; unset: kept. */
  readonly retentionDays?: number;
  /** Bearer token for GET /metrics; unset: open. */
  readonly metricsToken?: string;
  /** Where an alert is POSTed when a step dies; unset: no alerts. */
  readonly alertWebhookUrl?: string;
  /** Field mapping read from MAPPING_FILE at start; unset: nothing mapped. */
  readonly mapping?: Mapping;
}

/** Decodes the environment; on failure, one line per bad key, core and connector keys alike. */
const configureSource = (definition: SourceDefinition, env: Env) => {
  const token = optional(Token).decode(env[definition.tokenKey]);
  const create = definition.configure(env);
  const errors = [
    ...(isLeft(token) ? describeErrors(token.left).map((line) => line.replace(/^\(root\)/, definition.tokenKey)) : []),
    ...(isLeft(create) ? describeErrors(create.left) : []),
  ];
  if (isLeft(token) || isLeft(create)) return { errors };
  const unsetKeys = (sourceSetupKeys[definition.name] ?? []).filter((key) => (env[key] ?? '').trim() === '');
  return { errors, source: { definition, create: create.right, unsetKeys, ...(token.right === undefined ? {} : { token: token.right }) } };
};

/**
 * SOURCES: the platforms to serve, comma-separated (case-insensitive); unset or blank: every
 * registered one. A platform left out gets no webhook route (404), no token and no banner line,
 * and its keys are not read.
 */
const enabledSources = (
  value: string | undefined,
  definitions: readonly SourceDefinition[],
): { ok: true; enabled: readonly SourceDefinition[] } | { ok: false; error: string } => {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.length === 0) return { ok: true, enabled: definitions };
  const valid = definitions.map((d) => d.name);
  const unknown = names.filter((name) => !valid.includes(name));
  if (unknown.length > 0)
    return {
      ok: false,
      error: `SOURCES: unknown platform${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; the platforms are ${valid.join(', ')} (comma-separated; unset: all of them)`,
    };
  return { ok: true, enabled: definitions.filter((d) => names.includes(d.name)) };
};

/**
 * Decodes the environment; on failure, one line per bad key, core, connector and platform keys
 * alike. `definitions` is the source registry (tests add a platform of their own).
 */
export const loadConfig = (
  env: Env,
  definitions: readonly SourceDefinition[] = sourceDefinitions,
): { ok: true; config: Config } | { ok: false; errors: string[] } => {
  const core = CoreEnv.decode(env);
  const crm = CoreEnv.props.CRM.decode(env.CRM);
  // The connector's keys can be checked as soon as we know which connector is meant.
  const connector = isLeft(crm) ? undefined : connectors[crm.right].configure(env);
  const enabled = enabledSources(env['SOURCES'], definitions);
  const configured = (enabled.ok ? enabled.enabled : []).map((d) => configureSource(d, env));
  const errors = [
    ...(isLeft(core) ? describeErrors(core.left) : []),
    ...(enabled.ok ? [] : [enabled.error]),
    ...(connector !== undefined && isLeft(connector) ? describeErrors(connector.left) : []),
    ...configured.flatMap((c) => c.errors),
  ];
  const sources = configured.flatMap((c) => (c.source === undefined ? [] : [c.source]));
  if (isLeft(core) || !enabled.ok || connector === undefined || isLeft(connector) || sources.length < configured.length)
    return { ok: false, errors };
  const c = core.right;
  // A CRM call that outlives its lease would let a second process deliver the same job.
  if (c.CRM_TIMEOUT_MS >= c.JOB_LEASE_MS) return { ok: false, errors: ['CRM_TIMEOUT_MS: must be smaller than JOB_LEASE_MS'] };
  return {
    ok: true,
    config: {
      port: c.PORT,
      host: c.HOST,
      publicUrl: c.PUBLIC_URL ?? `http://localhost:${c.PORT}`,
      publicUrlDefaulted: c.PUBLIC_URL === undefined,
      database: c.DATABASE_URL,
      crm: c.CRM,
      createConnector: connector.right,
      sources,
      routing: { defaultRecord: c.DEFAULT_RECORD, caseTags: c.CASE_TAGS, caseGroups: c.CASE_GROUPS },
      syncDeadlineMs: c.SYNC_DEADLINE_MS,
      retryScheduleMs: c.RETRY_SCHEDULE,
      workerConcurrency: c.WORKER_CONCURRENCY,
      workerPollMs: c.WORKER_POLL_MS,
      crmTimeoutMs: c.CRM_TIMEOUT_MS,
      ...(c.CRM_BATCH_MAX === undefined ? {} : { crmBatchMax: c.CRM_BATCH_MAX }),
      crmBatchWaitMs: c.CRM_BATCH_WAIT_MS,
      jobLeaseMs: c.JOB_LEASE_MS,
      logLevel: c.LOG_LEVEL,
      ...(c.ADMIN_PASSWORD === undefined ? {} : { adminPassword: c.ADMIN_PASSWORD }),
      ...(c.RETENTION_DAYS === undefined ? {} : { retentionDays: c.RETENTION_DAYS }),
      ...(c.METRICS_TOKEN === undefined ? {} : { metricsToken: c.METRICS_TOKEN }),
      ...(c.ALERT_WEBHOOK_URL === undefined ? {} : { alertWebhookUrl: c.ALERT_WEBHOOK_URL }),
      ...(c.MAPPING_FILE === undefined ? {} : { mapping: c.MAPPING_FILE }),
    },
  };
};
