/**
 * The failure catalogue (src/domain/errors.ts) knows every code chat2crm fails with. The main
 * guard is the compiler: `transient()`, `permanent()`, `reject()` and `httpError()` take only
 * catalogue codes of their kind. This test is the second line: it reads the sources for code
 * strings built some other way (a `CODES` table, a literal) and checks each is catalogued.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { catalogueEntry, errorCatalogue, errorCodes, failureCatalogue, stepErrorCatalogue, stepErrorHint } from '../../src/domain/errors';
import { permanent, transient } from '../../src/domain/outcome';

const ROOT = resolve(__dirname, '../..');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/**
 * `transient('CODE'`, `permanent(\n 'CODE'`, `reject('CODE'`, `httpError('CODE'`, `new HttpError('CODE'`,
 * and the values of a `CODES = { … }` table.
 */
const codesIn = (text: string): string[] => [
  ...[...text.matchAll(/\b(?:transient|permanent|reject|httpError|HttpError)\(\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] ?? ''),
  ...[...text.matchAll(/\bCODES = \{([^}]*)\}/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((v) => v[1] ?? '')),
];

const used = new Set(
  [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'connectors'))].flatMap((file) => codesIn(readFileSync(file, 'utf8'))),
);

describe('failure catalogue', () => {
  it('has an entry for every code a connector, platform client, source or the pipeline fails with', () => {
    assert.ok(used.size > 50, `found only ${used.size} codes: the scan is broken`);
    const missing = [...used].filter((code) => catalogueEntry(code) === undefined).sort();
    assert.deepEqual(missing, [], 'codes outside the catalogue');
  });

  it('gives each step code one line, and says whether a retry helps in a way that fits its kind', () => {
    for (const [code, entry] of Object.entries(stepErrorCatalogue)) {
      assert.doesNotMatch(entry.hint, /\n/, code);
      assert.ok(['helps', 'after a fix', 'no'].includes(entry.retry), code);
      // A permanent failure is dead at once: "retrying helps" would mislead the operator.
      if (entry.kind === 'permanent') assert.notEqual(entry.retry, 'helps', `${code} is permanent`);
      // A transient failure is retried on its own: it cannot be hopeless.
      if (entry.kind === 'transient') assert.notEqual(entry.retry, 'no', `${code} is transient`);
    }
    assert.equal(stepErrorHint('NO_SUCH_CODE'), undefined);
    assert.equal(stepErrorHint('toString'), undefined, 'an own key only');
    assert.equal(stepErrorHint('INVALID_PAYLOAD'), undefined, 'an edge code has no step hint');
  });

  it('is one catalogue: the edge and step parts share no code, and every part reads from it', () => {
    assert.equal(Object.keys(failureCatalogue).length, Object.keys(errorCatalogue).length + Object.keys(stepErrorCatalogue).length);
    assert.deepEqual(errorCodes, Object.keys(errorCatalogue));
    for (const code of errorCodes) assert.equal(catalogueEntry(code)?.kind, 'refusal', code);
    assert.equal(catalogueEntry('constructor'), undefined);
  });

  it('builds failures of the kind the catalogue gives their code', () => {
    assert.deepEqual(transient('CALL_TIMEOUT', 'slow', { status: 504 }), {
      kind: 'transient',
      code: 'CALL_TIMEOUT',
      message: 'slow',
      status: 504,
    });
    assert.deepEqual(permanent('CRM_CONFIG', 'no portal'), { kind: 'permanent', code: 'CRM_CONFIG', message: 'no portal' });
    // The compiler refuses these (tsc fails on an unused @ts-expect-error if the typing loosens).
    // @ts-expect-error: a typo is no code
    assert.equal(transient('CRM_UNAVAILABEL', 'x').kind, 'transient');
    // @ts-expect-error: a permanent code is no transient one
    assert.equal(transient('CRM_CONFIG', 'x').kind, 'transient');
    // @ts-expect-error: an edge refusal is no step failure
    assert.equal(permanent('INVALID_PAYLOAD', 'x').kind, 'permanent');
  });
});
