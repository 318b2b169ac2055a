/**
 * What a fresh clone must hold together: docs that link only to what a clone has (or to the
 * web), the licence package.json names, and no tracked file that .gitignore would hide.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

const markdownFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === '.git' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? markdownFiles(path) : entry.name.endsWith('.md') ? [path] : [];
  });

describe('the repository', () => {
  it('has docs whose relative links point inside the clone', () => {
    const broken: string[] = [];
    for (const file of [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'connectors'))]) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/i.test(target)) continue;
        const path = resolve(dirname(file), target);
        if (!path.startsWith(`${ROOT}/`) || !existsSync(path)) broken.push(`${relative(ROOT, file)} → ${target}`);
      }
      if (/\.\.\/shared|shared\/research/.test(text)) broken.push(`${relative(ROOT, file)} names the research folder a clone does not have`);
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
});
