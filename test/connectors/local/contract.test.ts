/**
 * The Connector contract for the local CRM: records in the service's own database, on a real
 * SQLite file, and on PostgreSQL when TEST_DATABASE_URL is set (pending otherwise). The local CRM
 * has no credentials and no HTTP to fail, so those tests are pending with the reason.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { createLocalConnector } from '../../../connectors/local';
import { silentLog } from '../../../src/domain/log';
import { openPostgresStore } from '../../../src/storage/postgres/store';
import { openSqliteStore } from '../../../src/storage/sqlite/store';
import type { Store } from '../../../src/storage/store';
import { testSchema } from '../../support/pg-schema';
import { removeDir, tempDir } from '../../support/service';
import { connectorContract, type CrmUnderTest, type FailureHooks } from '../connector.contract';

const NO_HTTP = 'the local CRM is the service’s own database: there is no HTTP answer to script';
const failures: FailureHooks = {
  rateLimited: { pending: NO_HTTP },
  unavailable: { pending: NO_HTTP },
  unauthorized: { pending: NO_HTTP },
  conflictOnCreate: { pending: 'the local CRM writes in one transaction keyed by the conversation: no create can conflict' },
  refusedRecord: { pending: 'the local CRM accepts every record' },
};

/** Records and people of the local CRM, as its tables hold them. */
const INVENTORY = `SELECT
  (SELECT COUNT(*) FROM local_crm_records WHERE action = 'lead') AS leads,
  (SELECT COUNT(*) FROM local_crm_records WHERE action = 'case') AS cases,
  (SELECT COUNT(*) FROM local_people) AS people,
  (SELECT COUNT(*) FROM local_crm_conversations) AS conversations`;

const local = (store: Store, inventory: CrmUnderTest['inventory'], stop: () => Promise<void>): CrmUnderTest => ({
  connect: () => createLocalConnector({ log: silentLog, publicUrl: 'http://127.0.0.1:3000' }, store),
  inventory,
  withoutCredentials: { pending: 'the local CRM needs no credentials' },
  failures,
  stop,
});

const counts = (row: unknown): Readonly<Record<string, number>> =>
  Object.fromEntries(Object.entries(typeof row === 'object' && row !== null ? row : {}).map(([k, v]) => [k, Number(v)]));

connectorContract('local', async () => {
  const dir = tempDir('chat2crm-local-contract-');
  const path = `${dir}/store.db`;
  const store = openSqliteStore(path);
  return local(
    store,
    async () => {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        return counts(db.prepare(INVENTORY).get());
      } finally {
        db.close();
      }
    },
    async () => {
      await store.close();
      removeDir(dir);
    },
  );
});

describe('on PostgreSQL', function () {
  before(function () {
    // Pending, not passed: a run without a database must not look like a green PostgreSQL suite.
    if (!testSchema('probe').available) this.skip();
  });

  connectorContract('local', async () => {
    const schema = testSchema('local_contract');
    await schema.create();
    const store = await openPostgresStore(schema.url);
    return local(
      store,
      async () => {
        const client = new pg.Client({ connectionString: schema.url });
        await client.connect();
        try {
          const rows: unknown[] = (await client.query(INVENTORY)).rows;
          return counts(rows[0]);
        } finally {
          await client.end();
        }
      },
      async () => {
        await store.close();
        await schema.drop();
      },
    );
  });
});
