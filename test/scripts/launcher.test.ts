/**
 * bin/chat2crm, the one way the built service starts (npm start after its build, the image, the
 * systemd unit): it execs Node on dist/src/main.js with the memory settings written in it, and the
 * bench reads those same settings from it. What the running process got is read where the kernel
 * shows it (/proc/<pid>/cmdline and environ), so the tests run on Linux only.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/net';
import { untilHealthy } from '../support/polling';
import { launcherSettings, removeTemp } from '../../bench/service';

const ROOT = resolve(__dirname, '../..');
const LAUNCHER = join(ROOT, 'bin/chat2crm');
const MAIN_JS = join(ROOT, 'dist/src/main.js');
const TOKEN = 'launcher-token-0123456789abcdef';
const onLinux = existsSync('/proc/self/environ');

const procList = (pid: number, file: 'cmdline' | 'environ'): string[] =>
  readFileSync(`/proc/${pid}/${file}`, 'utf8')
    .split('\0')
    .filter((s) => s !== '');

describe('bin/chat2crm (the launcher)', function () {
  const temp = mkdtempSync(join(tmpdir(), 'chat2crm-launcher-'));
  after(() => {
    rmSync(temp, { recursive: true, force: true });
    removeTemp();
  });

  it('is what npm start runs after its build, with the settings the bench reads from it', () => {
    const pkg: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.ok(typeof pkg === 'object' && pkg !== null && 'scripts' in pkg && typeof pkg.scripts === 'object' && pkg.scripts !== null);
    assert.ok('start' in pkg.scripts && 'prestart' in pkg.scripts);
    assert.equal(pkg.scripts.start, 'sh bin/chat2crm');
    assert.match(String(pkg.scripts.prestart), /&& npm run --silent build$/);
    const settings = launcherSettings(readFileSync(LAUNCHER, 'utf8'));
    assert.deepEqual(settings.flags, ['--expose-gc', '--max-semi-space-size=8', '--max-old-space-size=512']);
    assert.deepEqual(settings.env, { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
  });

  it('refuses a launcher file without its settings lines, so the bench never runs without them', () => {
    assert.throws(() => launcherSettings('#!/bin/sh\nexec node dist/src/main.js\n'), /no NODE_FLAGS='…' line or no export line/);
  });

  it('refuses to start without a build, saying how to make one', function () {
    if (!onLinux) this.skip();
    const bare = join(temp, 'bare');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    copyFileSync(LAUNCHER, join(bare, 'bin/chat2crm'));
    const run = spawnSync('sh', [join(bare, 'bin/chat2crm')], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', NODE: process.execPath },
    });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      `chat2crm: ${realpathSync(bare)}/dist/src/main.js is missing: build it first (npm run build), or start with npm start, which builds.\n`,
    );
  });

  describe('starting the built service (through a symlink, as /usr/local/bin/chat2crm would be)', function () {
    this.timeout(180_000);
    let child: ChildProcess | undefined;
    let url = '';
    let stderr = '';

    before(async function () {
      if (!onLinux) this.skip();
      // What npm start's prestart does: the incremental build, quick when dist/ is current.
      const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(build.status, 0, build.stdout + build.stderr);
      const link = join(temp, 'chat2crm');
      symlinkSync(LAUNCHER, link);
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      // A temp cwd: no developer's .env applies. An extra flag after the launcher's own.
      child = spawn(link, ['--max-old-space-size=600'], {
        cwd: temp,
        env: {
          PATH: process.env['PATH'] ?? '',
          NODE: process.execPath,
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: url,
          DATABASE_URL: `sqlite:${join(temp, 'launcher.db')}`,
          OLARK_WEBHOOK_TOKEN: TOKEN,
          ADMIN_PASSWORD: 'launcher-admin-password',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      });
      await untilHealthy(url, child, () => stderr, 30_000);
    });

    after(async () => {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child?.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    });

    it('answers /healthz', async () => {
      const response = await fetch(`${url}/healthz`);
      assert.equal(response.status, 200);
      const body: unknown = await response.json();
      assert.ok(typeof body === 'object' && body !== null && 'status' in body);
      assert.equal(body.status, 'ok');
    });

    it('is Node itself (exec, no shell left between): signals reach the service', () => {
      const pid = child?.pid ?? 0;
      assert.equal(realpathSync(readlinkSync(`/proc/${pid}/exe`)), realpathSync(process.execPath));
    });

    it("runs dist/src/main.js with the launcher's Node flags, then the ones it was given", () => {
      const argv = procList(child?.pid ?? 0, 'cmdline');
      assert.deepEqual(argv.slice(1), [
        '--expose-gc',
        '--max-semi-space-size=8',
        '--max-old-space-size=512',
        '--max-old-space-size=600',
        realpathSync(MAIN_JS),
      ]);
    });

    it("runs with malloc's settings in its environment, beside what it was given", () => {
      const env = procList(child?.pid ?? 0, 'environ');
      assert.ok(env.includes('MALLOC_ARENA_MAX=2'), env.filter((e) => e.startsWith('MALLOC')).join(' '));
      assert.ok(env.includes('MALLOC_MMAP_THRESHOLD_=131072'));
      assert.ok(env.includes('LOG_LEVEL=warn'));
    });

    it('stops cleanly on SIGTERM (exit code 0)', async () => {
      const exited = new Promise<number | null>((done) => child?.once('exit', (code) => done(code)));
      child?.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    });
  });
});
