/**
 * What a fresh clone must hold together: docs that link only to what a clone has (or to the
 * web), the licence package.json names, no tracked file that .gitignore would hide, and a
 * lockfile that `npm install` leaves as it is, with every dependency's install script decided.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

const markdownFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === '.git' || entry.name === 'dist' || entry.name === 'data') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? markdownFiles(path) : entry.name.endsWith('.md') ? [path] : [];
  });

describe('the repository', () => {
  it('has docs whose relative links point inside the clone', () => {
    const broken: string[] = [];
    for (const file of markdownFiles(ROOT)) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/i.test(target)) continue;
        const path = resolve(dirname(file), target);
        if (!path.startsWith(`${ROOT}/`) || !existsSync(path)) broken.push(`${relative(ROOT, file)} → ${target}`);
      }
      if (/\.\.\/shared|shared\/research/.test(text))
        broken.push(`${relative(ROOT, file)} names the research folder a clone does not have`);
    }
    assert.deepEqual(broken, []);
  });

  it('carries the MIT licence package.json declares', () => {
    const pkg: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.ok(typeof pkg === 'object' && pkg !== null && 'license' in pkg);
    assert.equal(pkg.license, 'MIT');
    const licence = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    assert.match(licence, /^MIT License\n\nCopyright \(c\) 2026 chat2crm contributors\n/);
    assert.match(licence, /THE SOFTWARE IS PROVIDED "AS IS"/);
  });

  it('ignores no file it tracks', function () {
    const git = spawnSync('git', ['ls-files', '--cached', '--ignored', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
    // An unpacked tarball without .git or git: nothing to compare.
    if (git.error !== undefined || git.status !== 0) this.skip();
    assert.equal(git.stdout, '', 'tracked yet matched by .gitignore');
  });

  describe('npm install in a fresh clone', () => {
    const json = (path: string): Record<string, unknown> => {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      assert.ok(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), path);
      return Object.fromEntries(Object.entries(parsed));
    };
    const record = (value: unknown): Record<string, unknown> =>
      typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value)) : {};
    const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];
    const pkg = json(join(ROOT, 'package.json'));
    const lockPackages = record(json(join(ROOT, 'package-lock.json'))['packages']);

    /** npm's rule: an install script of its own, or a binding.gyp (npm then runs `node-gyp rebuild`). */
    const hasInstallScript = (manifest: Record<string, unknown>, dir: string) =>
      INSTALL_SCRIPTS.some((name) => typeof record(manifest['scripts'])[name] === 'string') || existsSync(join(dir, 'binding.gyp'));

    it('has a lockfile that says which packages have install scripts, as npm install would write it', () => {
      const wrong: string[] = [];
      const root = record(lockPackages['']);
      if ((root['hasInstallScript'] === true) !== hasInstallScript(pkg, ROOT)) wrong.push('the project itself');
      for (const [path, entry] of Object.entries(lockPackages)) {
        const dir = join(ROOT, path);
        if (path === '' || !existsSync(join(dir, 'package.json'))) continue;
        const manifest = json(join(dir, 'package.json'));
        // The installed copy may be of another version than the lockfile's (a shared install).
        if (manifest['version'] !== record(entry)['version']) continue;
        if ((record(entry)['hasInstallScript'] === true) !== hasInstallScript(manifest, dir)) wrong.push(path);
      }
      assert.deepEqual(wrong, [], 'hasInstallScript differs from the installed package');
    });

    it('decides every dependency install script in allowScripts (npm runs none it was not told about, and warns)', () => {
      const allowed = record(pkg['allowScripts']);
      const undecided = Object.entries(lockPackages)
        .filter(([path, entry]) => path !== '' && record(entry)['hasInstallScript'] === true)
        .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
        .filter((name) => typeof allowed[name] !== 'boolean');
      assert.deepEqual(undecided, []);
      // What each decision rests on is written in .npmrc.
      const npmrc = readFileSync(join(ROOT, '.npmrc'), 'utf8');
      for (const name of Object.keys(allowed))
        assert.match(
          npmrc,
          new RegExp(`^# .*\\b${name}\\b`, 'm'),
          `.npmrc says why ${name} is ${allowed[name] === true ? 'allowed' : 'denied'}`,
        );
    });
  });

  it('has code, tests and docs that name no document a clone lacks (our reference shelf, its research notes, its design file)', () => {
    const named: string[] = [];
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.name === 'node_modules' || entry.name === 'fixtures'
          ? []
          : entry.isDirectory()
            ? files(join(dir, entry.name))
            : [join(dir, entry.name)],
      );
    const dirs = ['src', 'connectors', 'scripts', 'bench', 'test', 'docs', 'examples', 'deploy', 'bin', '.ci']
      .map((d) => join(ROOT, d))
      .filter((d) => existsSync(d));
    const self = join(ROOT, 'test/repository.test.ts');
    const shelf = /\.\.\/shared|shared\/(fixtures|research|specs)|(^|[^a-z])research\/[a-z0-9-]+\.md|DESIGN\.md/;
    for (const file of [...dirs.flatMap(files), ...markdownFiles(ROOT), join(ROOT, 'package.json')])
      if (file !== self && /\.(ts|js|mjs|md|json|sh|graphql)$|\/run$|\/chat2crm$/.test(file) && shelf.test(readFileSync(file, 'utf8')))
        named.push(relative(ROOT, file));
    assert.deepEqual([...new Set(named)], []);
  });
});
