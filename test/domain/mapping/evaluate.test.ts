import assert from 'node:assert/strict';
import type { Conversation } from '../../../src/domain/conversation';
import { applyFields, decodeMapping, mapConversation, operatorOf, type Mapping } from '../../../src/domain/mapping';

const mappingOf = (u: unknown): Mapping => {
  const d = decodeMapping(u);
  assert.ok(d.ok, d.ok ? '' : d.errors.join('; '));
  return d.mapping;
};

const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 10, 0, s));

const conversation: Conversation = {
  source: 'livechat',
  id: 'PJ0MRSHTDG',
  visitor: {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    city: 'London',
    countryCode: 'GB',
    referrer: 'https://search.example/',
    language: 'en',
  },
  messages: [
    { role: 'visitor', author: 'Ada Lovelace', body: 'Hello', at: at(1) },
    { role: 'operator', author: 'Grace', body: 'Hi!', at: at(2) },
    { role: 'operator', author: 'Alan', body: 'Let me see', at: at(3) },
    { role: 'system', author: 'LiveChat', body: 'Chat closed', at: at(4) },
  ],
  tags: ['sales', 'vip'],
  groups: ['0'],
  operators: [
    { id: 'grace@example.com', name: 'Grace', email: 'grace@example.com' },
    { id: 'alan@example.com', name: 'Alan', email: 'alan@example.com' },
  ],
  offline: false,
  rating: 'good',
  custom: { companySize: '50-200', 'Customer ID': 'C-1' },
  form: { 'Job title': 'CTO', Priority: '' },
};

describe('mapping a conversation', () => {
  it('fills each record kind from the attributes, leaving out a field whose template comes out empty', () => {
    const m = mappingOf({
      lead: {
        fields: {
          size: '{{custom.companySize}}',
          title: '{{form.Job title|custom.role}}',
          where: '{{visitor.city}}, {{visitor.country_code}}',
          from: '{{visitor.referrer}}',
          phone: '{{visitor.phone}}',
          summary: 'Chat {{conversation.id}} on {{source}} ({{conversation.messages}} messages, {{tags}})',
          when: '{{conversation.started_at}}/{{conversation.ended_at}}',
          kind: '{{record.type}}',
          rating: '{{rating}}',
          lang: '{{visitor.language}}',
        },
      },
      case: { fields: { priority: '{{form.Priority|"MEDIUM"}}' } },
      contact: { fields: { city: '{{visitor.city}}' } },
      overwrite: ['priority'],
    });
    const mapped = mapConversation(m, conversation, 'lead');
    assert.deepEqual(mapped.lead, {
      size: '50-200',
      title: 'CTO',
      where: 'London, GB',
      from: 'https://search.example/',
      summary: 'Chat PJ0MRSHTDG on livechat (3 messages, sales, vip)',
      when: '2026-12-06T10:00:01.000Z/2026-12-06T10:00:04.000Z',
      kind: 'lead',
      rating: 'good',
      lang: 'en',
    });
    assert.deepEqual(mapped.case, { priority: 'MEDIUM' });
    assert.deepEqual(mapped.contact, { city: 'London' });
    assert.deepEqual([...mapped.overwrite], ['priority']);
    assert.equal(mapConversation(m, conversation, 'case').lead.kind, 'case');
  });

  it('matches custom. and form. keys whatever their case and spaces', () => {
    const m = mappingOf({ lead: { fields: { a: '{{custom.customerid}}', b: '{{form. JOB  TITLE }}', c: '{{custom.COMPANY size}}' } } });
    assert.deepEqual(mapConversation(m, conversation, 'lead').lead, { a: 'C-1', b: 'CTO', c: '50-200' });
  });

  it('takes as operator the agent who typed !lead or !case, else the last agent who wrote', () => {
    assert.deepEqual(operatorOf(conversation), { id: 'alan@example.com', name: 'Alan', email: 'alan@example.com' });
    const commanded: Conversation = {
      ...conversation,
      messages: [
        ...conversation.messages.slice(0, 2),
        { role: 'operator', author: 'Grace', body: '!lead', at: at(3) },
        { role: 'operator', author: 'Alan', body: 'bye', at: at(5) },
      ],
    };
    assert.equal(operatorOf(commanded)?.email, 'grace@example.com');
    // LiveChat's `!case` as an internal note is a system line marked with its author.
    const note: Conversation = {
      ...conversation,
      messages: [...conversation.messages, { role: 'system', author: 'Grace (internal note)', body: '!case', at: at(6) }],
    };
    assert.equal(operatorOf(note)?.email, 'grace@example.com');
    const m = mappingOf({ lead: { fields: { agent: '{{operator.name}} <{{operator.email}}>' } }, owner: 'agent' });
    const mapped = mapConversation(m, commanded, 'lead');
    assert.equal(mapped.lead.agent, 'Grace <grace@example.com>');
    assert.equal(mapped.operatorEmail, 'grace@example.com');
    assert.deepEqual(mapped.owner, { kind: 'agent' });
  });

  it('knows no operator where no agent wrote and several were present', () => {
    const quiet: Conversation = { ...conversation, messages: conversation.messages.slice(0, 1) };
    assert.equal(operatorOf(quiet), undefined);
    assert.equal(operatorOf({ ...quiet, operators: conversation.operators.slice(0, 1) })?.name, 'Grace');
  });

  it('fills blanks, keeps what a person typed, and rewrites only the overwrite names', () => {
    const first = applyFields({}, { status: 'NEW', city: 'London' }, new Set(['status']));
    assert.deepEqual(first, { fields: { status: 'NEW', city: 'London' }, changed: ['status', 'city'] });
    const typed = { status: 'WORKING', city: 'Paris', note: '' };
    const again = applyFields(typed, { status: 'NEW', city: 'London', note: 'x' }, new Set(['status']));
    assert.deepEqual(again, { fields: { status: 'NEW', city: 'Paris', note: 'x' }, changed: ['status', 'note'] });
    assert.deepEqual(applyFields(again.fields, { status: 'NEW' }, new Set(['status'])).changed, []);
  });
});
