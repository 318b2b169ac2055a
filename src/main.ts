/**
 * Reads the configuration, builds everything and listens: the only module with side effects
 * at start. `npm start` runs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { parse as parseDotenv } from 'dotenv';
import pino from 'pino';
import { STRONG_TOKEN_LENGTH, loadConfig, type Config } from './config';
import type { Env } from './domain/connector';
import { createApp } from './http/app';
import { fullCollection, heapRelease, type HeapRelease } from './http/heap-release';
import { banner } from './http/banner';
import { answerClientError } from './http/client-error';
import { adminCredentials } from './http/admin-auth';
import { consoleDeps } from './http/admin-wiring';
import { cachedCrmCheck } from './http/crm-check';
import { createMetrics } from './http/metrics';
import type { MountedSource } from './http/routes/webhooks';
import { createAlerts } from './pipeline/alerts';
import { observeAll } from './pipeline/observer';
import { createPipeline, pipelineSettingsOf } from './pipeline/pipeline';
import { startRetention } from './pipeline/retention';
import { openStore } from './storage/open';
import { createSources } from './sources/runtime';

/** `.env` fills in what the real environment leaves unset. */
const readEnv = (): Env => {
  const file = existsSync('.env') ? parseDotenv(readFileSync('.env')) : {};
  return { ...file, ...process.env };
};

const tokenSetting = (source: string) => `${source}.webhook_token`;
const SHUTDOWN_GRACE_MS = 10_000;

export interface StartOptions {
  /** Where the start-up banner goes (stdout by default). */
  readonly announce?: (text: string) => void;
  /** Overrides the configured connector (tests pass a scripted CRM). */
  readonly createConnector?: Config['createConnector'];
  /** Overrides the release of big bodies' garbage (tests count the calls). */
  readonly heap?: HeapRelease;
}

export const start = async (config: Config, options: StartOptions = {}) => {
  const announce = options.announce ?? ((text: string) => process.stdout.write(text));
  const log = pino({
    level: config.logLevel,
    base: { service: 'chat2crm' },
    // Belt and braces: these never belong in a log line, whoever passes them.
    redact: { paths: ['*.token', '*.accessToken', '*.password', '*.email', '*.authorization', 'err.config.headers'], censor: '[redacted]' },
  });
  const store = await openStore(config.database, log.child({ component: 'storage' }));
  const sources = createSources(config, log);
  const mounted: MountedSource[] = [];
  for (const { definition, token: configured } of config.sources) {
    const token = configured ?? (await store.settingOrCreate(tokenSetting(definition.name), () => randomBytes(24).toString('base64url')));
    if (token.length < STRONG_TOKEN_LENGTH)
      log.warn(
        { length: token.length },
        `${definition.tokenKey} is short: use at least ${STRONG_TOKEN_LENGTH} random characters (unset it to have one generated)`,
      );
    const source = sources.get(definition.name);
    if (source === undefined) throw new Error(`source ${definition.name} was configured but not created`);
    mounted.push({ source, token });
  }
  const connector = await (options.createConnector ?? config.createConnector)({
    log: log.child({ crm: config.crm }),
    publicUrl: config.publicUrl,
    localRecords: store,
    ...(config.mapping === undefined ? {} : { mapping: config.mapping }),
  });
  const metrics = createMetrics({ queueStats: () => store.queueStats() });
  const alerts =
    config.alertWebhookUrl === undefined
      ? undefined
      : createAlerts({ url: config.alertWebhookUrl, publicUrl: config.publicUrl, log: log.child({ component: 'alerts' }) });
  const observer = alerts === undefined ? metrics.observer : observeAll(metrics.observer, alerts);
  const pipeline = createPipeline({
    store,
    connector,
    sources,
    ...pipelineSettingsOf(config),
    log: log.child({ component: 'pipeline' }),
    observer,
  });
  const admin = await adminCredentials(config.adminPassword, store);
  const app = createApp({
    store,
    pipeline,
    crm: connector.name,
    sources: mounted,
    log,
    admin: consoleDeps({
      config,
      store,
      connector,
      mounted,
      pipeline,
      passwordDigest: admin.digest,
    }),
    metrics,
    observer,
    crmCheck: cachedCrmCheck(() => connector.check(), { timeoutMs: Math.min(config.crmTimeoutMs, 5000) }),
    heap: options.heap ?? heapRelease({ collect: fullCollection() }),
    ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  // Requests Node cannot even parse (bad framing, bad chunk sizes) get our JSON error shape too.
  server.on('clientError', answerClientError);
  pipeline.startWorker();
  const retention =
    config.retentionDays === undefined
      ? undefined
      : startRetention({ store, retentionDays: config.retentionDays, log: log.child({ component: 'retention' }), now: () => new Date() });

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // The operator needs this URL once, on their own console; it is not written to the log.
  announce(
    banner({
      listening: `http://${config.host}:${port}`,
      crm: config.crm,
      storage: store.kind,
      publicUrl: config.publicUrl,
      config,
      mounted,
      publicUrlDefaulted: config.publicUrlDefaulted,
      ...(admin.generated === undefined ? {} : { adminPassword: admin.generated }),
    }),
  );
  log.info({ port, crm: config.crm, storage: store.kind }, 'started');

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      log.info({}, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await pipeline.stop(SHUTDOWN_GRACE_MS);
      await retention?.stop();
      await alerts?.settled();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
      server.closeAllConnections();
      await connector.close?.();
      await store.close();
      log.info({}, 'stopped');
    })();
    return closing;
  };
  return { server, port, shutdown, store, pipeline, tokens: new Map(mounted.map((m) => [m.source.name, m.token])) };
};

/**
 * Our SDKs and SQLite driver need Node 22.19 (jsforce's undici 8 does); on an older one they fail
 * in obscure ways (or crash). The same minimum as package.json's `engines`.
 */
const MIN_NODE = [22, 19] as const;

const main = async () => {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    process.stderr.write(`chat2crm needs Node.js ${MIN_NODE.join('.')} or newer; this is Node.js ${process.versions.node}.\n`);
    process.exit(1);
  }
  const loaded = loadConfig(readEnv());
  if (!loaded.ok) {
    process.stderr.write(
      `chat2crm cannot start: the configuration has ${loaded.errors.length} problem(s):\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\nSee .env.example for every key and its default.\n`,
    );
    process.exit(1);
  }
  const running = await start(loaded.config);
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      void running.shutdown().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
};

if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`chat2crm failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
