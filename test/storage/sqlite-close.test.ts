import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { removeDir, tempDir } from '../support/service';

const run = promisify(execFile);

describe('SQLite store close() in a process with nothing else to do', () => {
  it('returns (the checkpoint thread is awaited, not abandoned with the process exiting 0 under it)', async () => {
    const dir = tempDir();
    try {
      const script = `
        const { openSqliteStore } = require(${JSON.stringify(resolve(__dirname, '../../src/storage/sqlite/store'))});
        (async () => {
          const store = openSqliteStore(${JSON.stringify(join(dir, 'x.db'))});
          await store.close();
          process.stdout.write('closed');
          process.exitCode = 3;
        })();`;
      const ran = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: resolve(__dirname, '../..') }).catch((error: unknown) => error);
      assert.ok(typeof ran === 'object' && ran !== null && 'code' in ran && 'stdout' in ran, 'the script ends with its own exit code');
      assert.equal(ran.stdout, 'closed');
      assert.equal(ran.code, 3);
    } finally {
      removeDir(dir);
    }
  });
});
