import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { removeDir, tempDir } from '../support/service';

const run = promisify(execFile);

describe('SQLite store close() in a process with nothing else to do', () => {
  const closes = (options: string, before: string) => async () => {
    const dir = tempDir();
    try {
      const script = `
        const { openSqliteStore } = require(${JSON.stringify(resolve(__dirname, '../../src/storage/sqlite/store'))});
        (async () => {
          const moves = [];
          const store = openSqliteStore(${JSON.stringify(join(dir, 'x.db'))}, { ${options} onCheckpointMove: (m) => moves.push(m) });
          ${before}
          await store.close();
          process.stdout.write('closed ' + moves.join(','));
          process.exitCode = 3;
        })();`;
      const ran = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: resolve(__dirname, '../..') }).catch(
        (error: unknown) => error,
      );
      assert.ok(typeof ran === 'object' && ran !== null && 'code' in ran && 'stdout' in ran, 'the script ends with its own exit code');
      assert.equal(ran.code, 3);
      return String(ran.stdout);
    } finally {
      removeDir(dir);
    }
  };

  it('returns, checkpoints on the event loop', async () => {
    assert.equal(await closes('', '')(), 'closed ');
  });

  it('returns with checkpoints on a worker thread (awaited, not abandoned with the process exiting 0 under it)', async () => {
    const out = await closes(
      'checkpoints: { inlineIntervalMs: 20, handOverMs: -1 },',
      'while (moves.length === 0) await new Promise((r) => setTimeout(r, 10));',
    )();
    assert.equal(out, 'closed thread');
  });
});
