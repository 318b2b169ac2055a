/**
 * `npm run setup`: prepares the configured CRM (custom properties, …) and checks that chat2crm
 * can deliver to it. Safe to run again. Exit code 1 when something needs a person's attention.
 */
import 'dotenv/config';
import { loadConfig } from '../src/config';
import type { CheckReport } from '../src/domain/connector';
import type { LocalRecordStore } from '../src/domain/local-records';
import { silentLog } from '../src/domain/log';

/** Setup never touches the service's own records; reaching this is a bug. */
const unusedLocalRecords: LocalRecordStore = {
  upsertLocalRecord: () => Promise.reject(new Error('setup does not write local records')),
  getLocalRecord: () => Promise.reject(new Error('setup does not read local records')),
  findLocalRecordByEmail: () => Promise.reject(new Error('setup does not read local records')),
};

const print = (title: string, report: CheckReport) => {
  process.stdout.write(`${title}\n`);
  for (const item of report.items) process.stdout.write(`  ${item.ok ? 'ok  ' : 'FAIL'}  ${item.name}: ${item.detail}\n`);
};

const main = async (): Promise<number> => {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`Configuration problems:\n${loaded.errors.map((e) => `  ${e}`).join('\n')}\n`);
    return 1;
  }
  const { config } = loaded;
  const connector = await config.createConnector({ log: silentLog, publicUrl: config.publicUrl, localRecords: unusedLocalRecords });
  const report = connector.setup === undefined ? await connector.check() : await connector.setup();
  print(`CRM=${config.crm}: ${report.ok ? 'ready' : 'needs attention'}`, report);
  await connector.close?.();
  return report.ok ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`setup failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
