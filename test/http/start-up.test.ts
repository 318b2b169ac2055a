/**
 * What `npm start` prints and how it refuses, as a first user meets it: the real process
 * (`src/main.ts`) with its stdout (the banner, then pino's lines) and stderr read whole.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config';
import { start } from '../../src/main';
import { TEST_TOKEN, freePort, removeDir, serviceEnv, tempDir } from '../support/service';

const ROOT = resolve(__dirname, '../..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs src/main.ts; once stdout matches `until` (if given) it is stopped with SIGTERM. */
const runMain = (env: Record<string, string>, until?: RegExp, ms = 20_000): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`src/main.ts did not finish in ${ms} ms: ${stdout}${stderr}`));
    }, ms);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (until?.test(stdout) === true) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });

/** stdout without pino's JSON lines: what the operator reads. */
const bannerOf = (stdout: string): string =>
  stdout
    .split('\n')
    .filter((line) => !line.startsWith('{'))
    .join('\n');

describe('start-up', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('chat2crm-start-');
  });
  afterEach(() => removeDir(dir));

  it('prints a short banner on a fresh start: setup notes for what is configured, one line per platform that is not, the PUBLIC_URL warning once', async () => {
    const port = await freePort();
    const run = await runMain({ PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'fresh.db')}` }, /"msg":"started"/);
    assert.equal(run.stderr, '');
    const banner = bannerOf(run.stdout);
    const url = (source: string) => new RegExp(`http://localhost:${port}/webhooks/${source}/[A-Za-z0-9_-]{32}`).source;
    assert.match(banner, new RegExp(`^  Olark: ${url('olark')}\\n    paste it into Olark`, 'm'));
    for (const [title, source, key] of [
      ['LiveChat', 'livechat', 'LIVECHAT_WEBHOOK_SECRET'],
      ['LiveSupporti', 'livesupporti', 'LIVESUPPORTI_WEBHOOK_SECRET'],
      ['iAdvize', 'iadvize', 'IADVIZE_WEBHOOK_SECRET'],
    ] as const)
      assert.match(
        banner,
        new RegExp(`^  ${title}: ${url(source)} \\(not configured: set ${key}, or leave ${source} out of SOURCES\\)$`, 'm'),
      );
    assert.equal(run.stdout.split('PUBLIC_URL is not set').length - 1, 1, 'the PUBLIC_URL warning, once');
    const lines = banner.split('\n').filter((line) => line.trim() !== '');
    assert.ok(lines.length <= 12, `a short banner:\n${banner}`);
  });

  it('serves only the platforms SOURCES names: no route, no token, no banner line for the others', async () => {
    const announced: string[] = [];
    const loaded = loadConfig(await serviceEnv({ SOURCES: ' Olark ', LIVECHAT_REGION: 'not-read-when-off' }, dir));
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('; '));
    const running = await start(loaded.config, { announce: (text) => announced.push(text) });
    const service = {
      url: `http://127.0.0.1:${running.port}`,
      webhook: `http://127.0.0.1:${running.port}/webhooks/olark/${TEST_TOKEN}`,
      running,
      stop: () => running.shutdown(),
    };
    try {
      for (const path of ['/webhooks/livechat/anything', '/webhooks/livechat/anything/more']) {
        const res = await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(res.status, 404, path);
      }
      assert.equal(
        (await fetch(service.webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).status,
        400,
        'olark is served',
      );
      for (const source of ['livechat', 'livesupporti', 'iadvize'])
        assert.equal(await service.running.store.getSetting(`${source}.webhook_token`), undefined, `no ${source} token`);
      assert.deepEqual([...service.running.tokens.keys()], ['olark']);
      assert.doesNotMatch(announced.join(''), /LiveChat|LiveSupporti|iAdvize/);
    } finally {
      await service.stop();
    }
  });

  it('refuses an unknown SOURCES name, listing the platforms', async () => {
    const run = await runMain({ PORT: String(await freePort()), DATABASE_URL: `sqlite:${join(dir, 'x.db')}`, SOURCES: 'olark,zendesk' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /SOURCES: unknown platform "zendesk"; the platforms are olark, livechat, livesupporti, iadvize/);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  });

  describe('with a database it cannot open', () => {
    it('names DATABASE_URL without its password, host and port, and what to check; exits 1 without a stack trace', async () => {
      const closed = await freePort();
      const run = await runMain({ PORT: String(await freePort()), DATABASE_URL: `postgres://u:secret@127.0.0.1:${closed}/x` });
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /DATABASE_URL=postgres:\/\/u:\*\*\*@127\.0\.0\.1:\d+\/x/);
      assert.match(run.stderr, new RegExp(`127\\.0\\.0\\.1:${closed}`));
      assert.match(run.stderr, /is the PostgreSQL server running, and are the host and port right\?/);
      assert.doesNotMatch(run.stderr + run.stdout, /secret/);
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    });

    it('says which SQLite path cannot be written and what to check', async () => {
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      const run = await runMain({ PORT: String(await freePort()), DATABASE_URL: `sqlite:${file}/sub/chat2crm.db` });
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /cannot open the SQLite database of DATABASE_URL=sqlite:\S+\/a-file\/sub\/chat2crm\.db/);
      assert.match(run.stderr, /may write there/);
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    });
  });
});
