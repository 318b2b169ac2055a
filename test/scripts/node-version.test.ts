/**
 * A Node.js older than `engines` is refused at `npm install` (scripts/check-node.js as the
 * project's preinstall: npm itself only warns, EBADENGINE, as .npmrc leaves engine-strict off so
 * that our message is the one that stops it) and at `npm start` before anything is built (the same
 * check in prestart), with a message that says what to do. The refusals are tried with the
 * machine's own old Node when it has one (Debian's /usr/bin/node is 20); without one they show
 * as pending.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  if (!existsSync(path)) return false;
  const major = Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim());
  return Number.isInteger(major) && major < 22;
});
const NPM_CLI = ['/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/local/lib/node_modules/npm/bin/npm-cli.js'].find((path) =>
  existsSync(path),
);

const packageJson: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const scripts = (): Record<string, unknown> => {
  assert.ok(typeof packageJson === 'object' && packageJson !== null && 'scripts' in packageJson);
  const s = packageJson.scripts;
  assert.ok(typeof s === 'object' && s !== null);
  return { ...s };
};

describe('Node.js version check', () => {
  it('is configured: .nvmrc names Node 24, preinstall and prestart check first, engine-strict does not pre-empt them', () => {
    assert.equal(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim(), '24');
    assert.doesNotMatch(readFileSync(join(ROOT, '.npmrc'), 'utf8'), /^\s*engine-strict\s*=\s*true/m);
    assert.equal(scripts()['preinstall'], 'node scripts/check-node.js');
    assert.match(String(scripts()['prestart']), /^node scripts\/check-node\.js && /);
  });

  it('lets the Node running the tests through', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/check-node.js')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
  });

  describe("with the machine's old Node", function () {
    before(function () {
      if (OLD_NODE === undefined) this.skip();
    });

    it('refuses to start, naming the version it needs and the one it found', () => {
      const run = spawnSync(OLD_NODE ?? '', [join(ROOT, 'scripts/check-node.js')], { encoding: 'utf8' });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^chat2crm needs Node\.js 22\.19\.0 or newer; this is Node\.js v\d+\./);
      assert.match(run.stderr, /\.nvmrc/);
    });

    it("stops `npm install` with our message, not only npm's EBADENGINE warning", function () {
      if (NPM_CLI === undefined) this.skip();
      const dir = mkdtempSync(join(tmpdir(), 'chat2crm-engines-'));
      try {
        // The project's own package.json, .npmrc and check; its dependencies left out, so that
        // npm has nothing to fetch before it reaches the project's preinstall.
        assert.ok(typeof packageJson === 'object' && packageJson !== null);
        const project = Object.fromEntries(
          Object.entries(packageJson).filter(([key]) => key !== 'dependencies' && key !== 'devDependencies'),
        );
        writeFileSync(join(dir, 'package.json'), JSON.stringify(project));
        copyFileSync(join(ROOT, '.npmrc'), join(dir, '.npmrc'));
        copyFileSync(join(ROOT, '.nvmrc'), join(dir, '.nvmrc'));
        mkdirSync(join(dir, 'scripts'));
        copyFileSync(join(ROOT, 'scripts/check-node.js'), join(dir, 'scripts/check-node.js'));
        const run = spawnSync(OLD_NODE ?? '', [NPM_CLI ?? '', 'install', '--offline', '--no-audit', '--no-fund'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
          // npm runs the script with the first `node` on PATH: the old one, as a user's would be.
          env: { ...process.env, PATH: `${dirname(OLD_NODE ?? '')}:${process.env.PATH ?? ''}` },
        });
        assert.notEqual(run.status, 0, run.stdout);
        assert.match(run.stderr, /^chat2crm needs Node\.js 22\.19\.0 or newer; this is Node\.js v\d+\./m);
        assert.match(run.stderr, /`nvm install` reads the version from \.nvmrc/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
