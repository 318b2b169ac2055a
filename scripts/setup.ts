/**
 * `npm run setup`: prepares the configured CRM (custom properties, …) and checks that chat2crm
 * can deliver to it; for every chat platform in use (any of its keys set), checks its
 * credentials and prints what to register on the platform's side (webhook URL, secret, events).
 * Safe to run again. Exit code 1 when something needs a person's attention.
 */
import 'dotenv/config';
import { loadConfig, type Config } from '../src/config';
import type { Env } from '../src/domain/connector';
import { webhookUrl } from '../src/http/banner';
import { createSources } from '../src/sources/runtime';
import { openStore } from '../src/storage/open';
import type { CheckReport } from '../src/domain/connector';
import type { LocalRecordStore } from '../src/domain/local-records';
import { silentLog, type Log } from '../src/domain/log';
import { serviceKeyGuide } from '../connectors/hubspot/access';

/** Setup never touches the service's own records; reaching this is a bug. */
const unusedLocalRecords: LocalRecordStore = {
  upsertLocalRecord: () => Promise.reject(new Error('setup does not write local records')),
  getLocalRecord: () => Promise.reject(new Error('setup does not read local records')),
  findLocalRecordByEmail: () => Promise.reject(new Error('setup does not read local records')),
};

/**
 * What a connector warns about when it is made (Salesforce: a retiring login grant) is for the
 * person running setup: its message is printed, never its fields.
 */
const warningsLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_fields, message) => void (message === undefined ? undefined : process.stdout.write(`WARNING: ${message}\n\n`)),
  error: (_fields, message) => void (message === undefined ? undefined : process.stdout.write(`ERROR: ${message}\n\n`)),
  child: () => warningsLog,
};

const print = (title: string, report: CheckReport) => {
  process.stdout.write(`${title}\n`);
  for (const item of report.items) process.stdout.write(`  ${item.ok ? 'ok  ' : 'FAIL'}  ${item.name}: ${item.detail}\n`);
};

/** HubSpot: how to get a token with the least scopes, when the token is missing, refused or short of a scope. */
const HUBSPOT_TOKEN_ITEMS = /^(access token|contacts access|create \w+ property)/;
const printHubspotGuide = () => process.stdout.write(`\n${serviceKeyGuide().join('\n')}\n`);

const main = async (): Promise<number> => {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`Configuration problems:\n${loaded.errors.map((e) => `  ${e}`).join('\n')}\n`);
    if (process.env.CRM?.trim().toLowerCase() === 'hubspot' && loaded.errors.some((e) => e.startsWith('HUBSPOT_ACCESS_TOKEN')))
      printHubspotGuide();
    return 1;
  }
  const { config } = loaded;
  const connector = await config.createConnector({
    log: warningsLog,
    publicUrl: config.publicUrl,
    localRecords: unusedLocalRecords,
    // The CRM checks that every mapped field exists there and can be written.
    ...(config.mapping === undefined ? {} : { mapping: config.mapping }),
  });
  const report = connector.setup === undefined ? await connector.check() : await connector.setup();
  print(`CRM=${config.crm}: ${report.ok ? 'ready' : 'needs attention'}`, report);
  if (config.crm === 'hubspot' && report.items.some((i) => !i.ok && HUBSPOT_TOKEN_ITEMS.test(i.name))) printHubspotGuide();
  await connector.close?.();
  const platformsOk = await checkPlatforms(config, process.env);
  return report.ok && platformsOk ? 0 : 1;
};

/** A platform is in use when any of its own keys (other than its token) is set; Olark has none and always is. */
const inUse = (name: string, tokenKey: string, env: Env): boolean => {
  const prefix = `${name.toUpperCase()}_`;
  const own = Object.entries(env).filter(
    ([key, value]) => key.startsWith(prefix) && key !== tokenKey && value !== undefined && value.trim() !== '',
  );
  return name === 'olark' || own.length > 0;
};

/** Tokens generated at the first start live in the service's database; setup only reads them. */
const storedTokens = async (config: Config): Promise<Map<string, string>> => {
  const tokens = new Map<string, string>();
  const store = await openStore(config.database);
  try {
    for (const { definition, token } of config.sources) {
      const value = token ?? (await store.getSetting(`${definition.name}.webhook_token`));
      if (value !== undefined) tokens.set(definition.name, value);
    }
  } finally {
    await store.close();
  }
  return tokens;
};

const checkPlatforms = async (config: Config, env: Env): Promise<boolean> => {
  const sources = createSources(config, silentLog);
  const tokens = await storedTokens(config);
  let ok = true;
  for (const { definition } of config.sources) {
    const source = sources.get(definition.name);
    if (source === undefined) continue;
    if (!inUse(definition.name, definition.tokenKey, env)) {
      process.stdout.write(
        `\n${definition.title}: not in use (set its ${definition.name.toUpperCase()}_* keys to connect it; see the README)\n`,
      );
      continue;
    }
    const token = tokens.get(definition.name);
    const url = token === undefined ? undefined : webhookUrl(config.publicUrl, definition.name, token);
    const items = (await source.client?.check?.()) ?? [];
    const fine = items.every((item) => item.ok);
    ok &&= fine;
    process.stdout.write(`\n${definition.title}: ${fine ? 'ready' : 'needs attention'}\n`);
    for (const item of items) process.stdout.write(`  ${item.ok ? 'ok  ' : 'FAIL'}  ${item.name}: ${item.detail}\n`);
    if (url === undefined)
      process.stdout.write(
        `  Webhook URL: start the service once (npm start) to generate ${definition.tokenKey}, or set it, then run setup again.\n`,
      );
    else {
      const lines = source.describe?.(url) ?? [];
      if (!lines.some((line) => line.includes(url))) process.stdout.write(`  Webhook URL: ${url}\n`);
      for (const line of lines) process.stdout.write(`  ${line}\n`);
    }
  }
  return ok;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`setup failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
