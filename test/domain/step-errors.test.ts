/**
 * The step-error catalogue (src/domain/errors.ts) knows every code a step can end with: each
 * code that the connectors, platform clients and pipeline build a failure with has its hint.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stepErrorCatalogue, stepErrorHint } from '../../src/domain/errors';

const ROOT = resolve(__dirname, '../..');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/** `transient('CODE'`, `permanent(\n 'CODE'`, and the values of a `CODES = { … }` table. */
const codesIn = (text: string): string[] => [
  ...[...text.matchAll(/\b(?:transient|permanent)\(\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] ?? ''),
  ...[...text.matchAll(/\bCODES = \{([^}]*)\}/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((v) => v[1] ?? '')),
];

describe('step-error catalogue', () => {
  it('has a hint for every code a connector, platform client or the pipeline fails a step with', () => {
    const used = new Set(
      [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'connectors'))].flatMap((file) => codesIn(readFileSync(file, 'utf8'))),
    );
    assert.ok(used.size > 40, `found only ${used.size} codes: the scan is broken`);
    const missing = [...used].filter((code) => stepErrorHint(code) === undefined).sort();
    assert.deepEqual(missing, [], 'codes without a hint');
  });

  it('gives each code one line, and says whether a retry helps', () => {
    for (const [code, entry] of Object.entries(stepErrorCatalogue)) {
      assert.doesNotMatch(entry.hint, /\n/, code);
      assert.ok(['helps', 'after a fix', 'no'].includes(entry.retry), code);
    }
    assert.equal(stepErrorHint('NO_SUCH_CODE'), undefined);
    assert.equal(stepErrorHint('toString'), undefined, 'an own key only');
  });
});
