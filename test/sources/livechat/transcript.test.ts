import assert from 'node:assert/strict';
import type * as t from 'io-ts';
import { renderTranscriptText } from '../../../src/domain/transcript';
import { decideAction } from '../../../src/domain/routing';
import { GetChatAnswer, ListThreadsAnswer } from '../../../src/sources/livechat/api-wire';
import { toConversation } from '../../../src/sources/livechat/transcript-v3';

const CUSTOMER = '6a1f0f2e-1111-4222-8333-444455556666';
const AGENT = 'smith@example.com';

const users = [
  { id: CUSTOMER, type: 'customer', present: true },
  { id: AGENT, type: 'agent', name: 'Agent Smith', email: AGENT, present: true },
];

const at = (s: number) => `2026-01-05T09:00:${String(s).padStart(2, '0')}.000000Z`;
const message = (id: string, s: number, author: string, text: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'message',
  created_at: at(s),
  visibility: 'all',
  author_id: author,
  text,
  ...extra,
});

const decode = <A>(codec: t.Decoder<unknown, A>, value: unknown): A => {
  const result = codec.decode(value);
  if (result._tag !== 'Right') assert.fail(`does not decode: ${JSON.stringify(value)}`);
  return result.right;
};

const thread1 = {
  id: 'T1',
  active: false,
  tags: ['sales'],
  events: [
    {
      id: 'T1_1',
      type: 'filled_form',
      form_type: 'prechat',
      created_at: at(1),
      visibility: 'all',
      author_id: CUSTOMER,
      fields: [
        { type: 'name', label: 'Name:', answer: 'Ada Lovelace' },
        { type: 'email', label: 'E-mail:', answer: 'Ada@Example.com' },
        { type: 'radio', label: 'Topic', answer: { id: '1', label: 'Pricing' } },
        {
          type: 'checkbox',
          label: 'Products',
          answers: [
            { id: 'a', label: 'Chat' },
            { id: 'b', label: 'Tickets' },
          ],
        },
        { type: 'question', label: 'Skipped' },
      ],
    },
    message('T1_2', 2, CUSTOMER, 'Hi, I need a quote'),
    message('T1_3', 3, AGENT, 'Sure'),
    message('T1_4', 4, CUSTOMER, 'oops, typed my card number', { deleted: true }),
    {
      id: 'T1_5',
      type: 'system_message',
      created_at: at(5),
      visibility: 'all',
      text: 'Agent Smith closed the chat',
      system_message_type: 'manual_archived_agent',
    },
  ],
};

const thread2 = {
  id: 'T2',
  active: true,
  previous_thread_id: 'T1',
  tags: ['support', 'sales'],
  access: { group_ids: [2] },
  events: [
    message('T2_1', 20, CUSTOMER, 'Back again'),
    {
      id: 'T2_2',
      type: 'file',
      created_at: at(21),
      visibility: 'all',
      author_id: CUSTOMER,
      name: 'invoice.pdf',
      url: 'https://cdn.livechat-files.com/api/file/invoice.pdf',
      content_type: 'application/pdf',
      size: 1234,
    },
    message('T2_3', 22, AGENT, '!case', { visibility: 'agents' }),
    message('T2_4', 23, AGENT, 'Customer is upset, be kind', { visibility: 'agents' }),
    {
      id: 'T2_5',
      type: 'rich_message',
      created_at: at(24),
      visibility: 'all',
      author_id: AGENT,
      template_id: 'cards',
      elements: [{ title: 'Pro plan', buttons: [{ text: 'Buy' }] }, { subtitle: 'Enterprise' }],
    },
    { id: 'T2_6', type: 'custom', created_at: at(25), visibility: 'all', author_id: AGENT, content: { x: 1 } },
    // The 2019 shape: `recipients` rather than `visibility`.
    message('T2_7', 26, AGENT, 'Old-style whisper', { visibility: undefined, recipients: 'agents' }),
  ],
};

describe('LiveChat transcript assembly', () => {
  const chat = decode(GetChatAnswer, { id: 'CHAT1', thread: thread2, users, access: { group_ids: [0] } });
  const listed = decode(ListThreadsAnswer, { threads: [thread1, thread2], found_threads: 2 });
  const c = toConversation(chat, listed.threads);

  it('joins every thread of the chat in time order, each event once, deleted events dropped', () => {
    assert.deepEqual(
      c.messages.map((m) => m.body.split('\n')[0]),
      [
        'Name: Ada Lovelace',
        'Hi, I need a quote',
        'Sure',
        'Agent Smith closed the chat',
        'Back again',
        'invoice.pdf https://cdn.livechat-files.com/api/file/invoice.pdf',
        '!case',
        'Customer is upset, be kind',
        'Pro plan',
        'Old-style whisper',
      ],
    );
    assert.ok(!c.messages.some((m) => m.body.includes('card number')));
  });

  it('renders forms as label: answer lines (choices by label, unanswered fields left out)', () => {
    assert.equal(c.messages[0]?.body, 'Name: Ada Lovelace\nE-mail: Ada@Example.com\nTopic: Pricing\nProducts: Chat, Tickets');
    assert.equal(c.messages[0]?.role, 'visitor');
  });

  it('keeps agents-only events as internal notes: system lines whose author says so', () => {
    const internal = c.messages.filter((m) => m.author.endsWith('(internal note)'));
    assert.deepEqual(
      internal.map((m) => [m.role, m.author, m.body]),
      [
        ['system', 'Agent Smith (internal note)', '!case'],
        ['system', 'Agent Smith (internal note)', 'Customer is upset, be kind'],
        ['system', 'Agent Smith (internal note)', 'Old-style whisper'],
      ],
    );
  });

  it('rich messages show their titles (else subtitles); custom events are left out', () => {
    assert.equal(c.messages.find((m) => m.body.startsWith('Pro plan'))?.body, 'Pro plan\nEnterprise');
  });

  it('takes the email from the prechat form when the customer has none, lower-cased', () => {
    assert.equal(c.visitor.email, 'ada@example.com');
    assert.equal(c.visitor.name, 'Ada Lovelace');
    assert.equal(c.visitor.id, CUSTOMER);
  });

  it('tags of all threads once; groups of the chat and its threads', () => {
    assert.deepEqual(c.tags, ['sales', 'support']);
    assert.deepEqual(c.groups, ['0', '2']);
  });

  it('an agent’s !case typed as an internal note still decides the record type, and stays out of the CRM text', () => {
    assert.equal(decideAction(c, { defaultRecord: 'lead', caseTags: [], caseGroups: [] }), 'case');
    assert.ok(!renderTranscriptText(c).includes('!case'));
    assert.match(renderTranscriptText(c), /Agent Smith \(internal note\): Customer is upset/);
  });

  it('the thread from get_chat wins over its copy in list_threads (it is newer)', () => {
    const stale = decode(ListThreadsAnswer, { threads: [thread1, { ...thread2, events: thread2.events.slice(0, 1) }] });
    assert.equal(toConversation(chat, stale.threads).messages.length, c.messages.length);
  });

  it('a restricted thread (no events) adds nothing and breaks nothing', () => {
    const restricted = decode(ListThreadsAnswer, { threads: [{ id: 'T0', restricted_access: 'older than 60 days' }, thread1] });
    assert.equal(toConversation(chat, restricted.threads).messages.length, c.messages.length);
  });
});
