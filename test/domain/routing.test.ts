import assert from 'node:assert/strict';
import type { Conversation } from '../../src/domain/conversation';
import { decideAction, type RoutingRules } from '../../src/domain/routing';

const rules: RoutingRules = { defaultRecord: 'lead', caseTags: ['case', 'support'], caseGroups: ['helpdesk'] };
const at = new Date('2024-01-01T00:00:00Z');
const conversation = (over: Partial<Conversation> = {}): Conversation => ({
  source: 'olark',
  id: 'c1',
  visitor: {},
  messages: [],
  tags: [],
  groups: [],
  operators: [],
  offline: false,
  ...over,
});
const say = (...bodies: string[]) => bodies.map((body) => ({ role: 'operator' as const, author: 'Op', body, at }));

describe('decideAction', () => {
  it('takes the default when nothing decides', () => {
    assert.equal(decideAction(conversation(), rules), 'lead');
    assert.equal(decideAction(conversation(), { ...rules, defaultRecord: 'case' }), 'case');
  });
  it('makes a case from a case tag or group, case-insensitively', () => {
    assert.equal(decideAction(conversation({ tags: ['VIP', 'Support'] }), rules), 'case');
    assert.equal(decideAction(conversation({ groups: ['HelpDesk'] }), rules), 'case');
    assert.equal(decideAction(conversation({ tags: ['sales'], groups: ['Sales'] }), rules), 'lead');
  });
  it('lets the last !lead / !case command beat tags and groups', () => {
    assert.equal(decideAction(conversation({ tags: ['support'], messages: say('hello', '!lead') }), rules), 'lead');
    assert.equal(decideAction(conversation({ messages: say('!lead', 'oops', '  !CASE please') }), rules), 'case');
    assert.equal(decideAction(conversation({ messages: say('!tag vip', 'I have a case') }), rules), 'lead');
  });
  it('lets ?record= beat everything', () => {
    assert.equal(decideAction(conversation({ messages: say('!case'), tags: ['support'] }), rules, 'lead'), 'lead');
    assert.equal(decideAction(conversation(), rules, 'case'), 'case');
  });
});
