/**
 * schemas/mapping.schema.json (for editors) and the io-ts codec the service decodes the file with
 * agree: what one accepts the other accepts, and what the schema can express it refuses as the
 * codec does. Template contents (attribute names, braces) and `overwrite` names that map nothing
 * are beyond a JSON Schema: only the codec refuses them, as the last cases show.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { decodeMapping } from '../../../src/domain/mapping';
import { EXAMPLE } from './example';

const schema: unknown = JSON.parse(readFileSync(resolve(__dirname, '../../../schemas/mapping.schema.json'), 'utf8'));
const examples = (name: string): unknown => JSON.parse(readFileSync(resolve(__dirname, `../../../examples/${name}`), 'utf8'));

const ajv = new Ajv({ allErrors: true });
assert.ok(typeof schema === 'object' && schema !== null);
const validate = ajv.compile(schema);

const VALID: readonly unknown[] = [
  {},
  EXAMPLE,
  { $schema: '../schemas/mapping.schema.json', owner: 'none', company: 'off', overwrite: [] },
  { owner: 'sales@example.com', company: 'create' },
  { owner: '12345678' },
  { lead: { fields: {} } },
  { case: {} },
];

const INVALID: readonly unknown[] = [
  [],
  'lead',
  { leads: {} },
  { lead: { fields: { a: 1 } } },
  { lead: { fieldz: {} } },
  { lead: 'x' },
  { owner: 'the agent' },
  { owner: '' },
  { owner: 7 },
  { company: 'yes' },
  { overwrite: 'a' },
  { overwrite: [1] },
  { lead: { fields: { '': 'x' } } },
];

describe('the mapping JSON Schema', () => {
  it('accepts what the codec accepts', () => {
    for (const u of VALID) {
      assert.equal(validate(u), true, `schema refused ${JSON.stringify(u)}: ${ajv.errorsText(validate.errors)}`);
      assert.equal(decodeMapping(u).ok, true, `codec refused ${JSON.stringify(u)}`);
    }
  });

  it('refuses what the codec refuses, where a schema can say it', () => {
    for (const u of INVALID) {
      assert.equal(validate(u), false, `schema accepted ${JSON.stringify(u)}`);
      assert.equal(decodeMapping(u).ok, false, `codec accepted ${JSON.stringify(u)}`);
    }
  });

  it('leaves template contents and overwrite names to the codec', () => {
    for (const u of [{ lead: { fields: { a: '{{visitor.nmae}}' } } }, { lead: { fields: { a: '{{x' } } }, { overwrite: ['unmapped'] }]) {
      assert.equal(validate(u), true);
      assert.equal(decodeMapping(u).ok, false);
    }
  });

  it('accepts every example in examples/, and so does the codec', () => {
    for (const name of ['mapping.local.json', 'mapping.hubspot.json', 'mapping.salesforce.json']) {
      const u = examples(name);
      assert.equal(validate(u), true, `${name}: ${ajv.errorsText(validate.errors)}`);
      const d = decodeMapping(u);
      assert.ok(d.ok, `${name}: ${d.ok ? '' : d.errors.join('; ')}`);
    }
  });
});
