/**
 * A Node.js older than `engines` is refused at `npm install` (engine-strict in .npmrc) and at
 * `npm start` before anything is built (scripts/check-node.js in prestart), with a message that
 * says what to do. The refusals are tried with the machine's own old Node when it has one
 * (Debian's /usr/bin/node is 20); without one they show as pending.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  if (!existsSync(path)) return false;
  const major = Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim());
  return Number.isInteger(major) && major < 22;
});
const NPM_CLI = ['/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/local/lib/node_modules/npm/bin/npm-cli.js'].find((path) => existsSync(path));

const packageJson: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const scripts = (): Record<string, unknown> => {
  assert.ok(typeof packageJson === 'object' && packageJson !== null && 'scripts' in packageJson);
  const s = packageJson.scripts;
  assert.ok(typeof s === 'object' && s !== null);
  return { ...s };
};

describe('Node.js version check', () => {
  it('is configured: .nvmrc names Node 24, .npmrc enforces engines, prestart checks before it builds', () => {
    assert.equal(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim(), '24');
    assert.match(readFileSync(join(ROOT, '.npmrc'), 'utf8'), /^engine-strict=true$/m);
    assert.match(String(scripts()['prestart']), /^node scripts\/check-node\.js && /);
  });

  it('lets the Node running the tests through', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/check-node.js')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
  });

  describe('with the machine\'s old Node', function () {
    before(function () {
      if (OLD_NODE === undefined) this.skip();
    });

    it('refuses to start, naming the version it needs and the one it found', () => {
      const run = spawnSync(OLD_NODE ?? '', [join(ROOT, 'scripts/check-node.js')], { encoding: 'utf8' });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^chat2crm needs Node\.js 22\.19\.0 or newer; this is Node\.js v\d+\./);
      assert.match(run.stderr, /\.nvmrc/);
    });

    it('refuses `npm install` before it installs anything', function () {
      if (NPM_CLI === undefined) this.skip();
      const dir = mkdtempSync(join(tmpdir(), 'chat2crm-engines-'));
      try {
        for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(ROOT, file), join(dir, file));
        const run = spawnSync(OLD_NODE ?? '', [NPM_CLI ?? '', 'install', '--offline', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
        assert.equal(run.status, 1, run.stdout);
        assert.match(run.stderr, /EBADENGINE/);
        assert.match(run.stderr, /Required: \{"node":">=22/);
        assert.equal(existsSync(join(dir, 'node_modules')), false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
