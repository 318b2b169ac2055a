import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import { storeContract } from './store.contract';
import { sqliteScan } from './scan';

const dir = mkdtempSync(join(tmpdir(), 'chat2crm-store-'));
const path = join(dir, 'store.db');
after(() => rmSync(dir, { recursive: true, force: true }));

// A fresh file per test: migrations run on each open, so they are exercised too.
storeContract(
  'SQLite',
  async () => openSqliteStore(path),
  async () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  },
  sqliteScan(path),
);
