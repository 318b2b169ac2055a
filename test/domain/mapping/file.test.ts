import assert from 'node:assert/strict';
import { isLeft } from 'fp-ts/Either';
import { MappingCodec, decodeMapping } from '../../../src/domain/mapping';
import { describeErrors } from '../../../src/domain/codecs';
import { EXAMPLE } from './example';

const problems = (u: unknown): readonly string[] => {
  const d = decodeMapping(u);
  assert.equal(d.ok, false, 'expected problems');
  return d.ok ? [] : d.errors;
};

describe('the mapping file', () => {
  it('decodes the documented example, and defaults owner "none", company "off", nothing overwritten', () => {
    const d = decodeMapping(EXAMPLE);
    assert.ok(d.ok);
    assert.deepEqual(
      d.mapping.fields.lead.map((f) => f.name),
      ['company_size', 'jobtitle', 'chat_platform', 'hs_lead_status'],
    );
    assert.deepEqual(d.mapping.owner, { kind: 'agent' });
    assert.equal(d.mapping.company, 'match');
    assert.deepEqual([...d.mapping.overwrite], ['hs_lead_status']);
    const empty = decodeMapping({ $schema: './schemas/mapping.schema.json' });
    assert.ok(empty.ok);
    assert.deepEqual(empty.mapping.owner, { kind: 'none' });
    assert.equal(empty.mapping.company, 'off');
    assert.equal(empty.mapping.overwrite.size, 0);
  });

  it('takes a CRM user id or email as owner', () => {
    const byId = decodeMapping({ owner: '0055e000001AbCdAAK' });
    assert.ok(byId.ok);
    assert.deepEqual(byId.mapping.owner, { kind: 'user', user: '0055e000001AbCdAAK' });
    const byEmail = decodeMapping({ owner: 'sales@example.com' });
    assert.ok(byEmail.ok);
    assert.deepEqual(byEmail.mapping.owner, { kind: 'user', user: 'sales@example.com' });
  });

  it('lists every problem at once, each with its path', () => {
    assert.deepEqual(
      problems({
        lead: { fields: { a: '{{visitor.nmae}}', b: 'Hi {{visitor.name', c: 42, d: '{{custom.}}' }, extra: true },
        case: { fields: { e: '{{form.Priority|"MEDIUM"}}', f: '{{rating|operator.phone}}' } },
        contact: 'city',
        owner: 'the agent',
        company: 'yes',
        overwrite: ['a', 'nope', 7],
        leads: {},
      }),
      [
        'leads: unknown key (expected lead, case, contact, owner, company or overwrite)',
        'lead.extra: unknown key (expected "fields")',
        'lead.fields.a: unknown attribute "visitor.nmae"',
        'lead.fields.b: unclosed "{{" at character 4',
        'lead.fields.c: expected a template string',
        'lead.fields.d: "custom." needs a key after "custom."',
        'case.fields.f: unknown attribute "operator.phone"',
        'contact: expected an object such as {"fields": {…}}',
        'owner: must be "agent", "none", a CRM user id or a CRM user\'s email',
        'company: must be "off", "match" or "create"',
        'overwrite.1: "nope" is not mapped in lead, case or contact fields',
        'overwrite.2: expected a field name',
      ],
    );
  });

  it('refuses what is not an object, and a fields value that is not one', () => {
    assert.deepEqual(problems([]), ['(root): expected an object with "lead", "case", "contact", "owner", "company" or "overwrite"']);
    assert.deepEqual(problems({ lead: { fields: ['x'] } }), ['lead.fields: expected an object of field name → template']);
    assert.deepEqual(problems({ overwrite: 'x' }), ['overwrite: expected a list of field names']);
  });

  it('is an io-ts codec whose failures carry the same messages', () => {
    const decoded = MappingCodec.decode({ owner: '', company: 'off' });
    assert.ok(isLeft(decoded));
    assert.deepEqual(describeErrors(decoded.left), ['(root): owner: must be "agent", "none", a CRM user id or a CRM user\'s email']);
  });
});
