import assert from 'node:assert/strict';
import { OlarkPayload } from '../../../src/sources/olark/codec';
import { parseOfflineForm, toConversation, toOperators } from '../../../src/sources/olark/mappers';

const payloadOf = (value: unknown): OlarkPayload => {
  const decoded = OlarkPayload.decode(value);
  if (decoded._tag === 'Left') assert.fail('test payload does not decode');
  return decoded.right;
};

const conversation = (extra: Record<string, unknown>) => toConversation(payloadOf({ kind: 'Conversation', id: 'c1', items: [], ...extra }));
const offline = (body: string) => ({ kind: 'OfflineMessage', body, timestamp: '1558118672.5' });

describe('Olark mappers', () => {
  describe('parseOfflineForm', () => {
    it('reads name, email and phone, keys in any case', () => {
      assert.deepEqual(parseOfflineForm('Name: Paul Smith\nEMAIL:  p@example.com \r\nphone: 555.0100\nMessage: hi'), {
        name: 'Paul Smith',
        email: 'p@example.com',
        phone: '555.0100',
      });
    });

    it('ignores other keys, blank values and lines inside the message', () => {
      assert.deepEqual(parseOfflineForm('company: Acme\nname:\nMessage: call me\nname: Mallory\nemail: m@evil.example'), {});
    });

    it('finds nothing in a plain message', () => {
      assert.deepEqual(parseOfflineForm('Hi there.'), {});
    });
  });

  describe('toConversation', () => {
    it('fills what the visitor object lacks from the offline form, and keeps the body verbatim', () => {
      const body = 'name: Paul\nemail: Paul@Example.COM\nphone: 555.555.0100\nMessage: Call me back';
      const c = conversation({ items: [offline(body)], visitor: { city: 'Buffalo Grove', emailAddress: '' } });
      assert.deepEqual(c.visitor, { name: 'Paul', email: 'paul@example.com', phone: '555.555.0100', city: 'Buffalo Grove' });
      assert.deepEqual(c.messages[0], { role: 'visitor', author: 'Paul', body, at: new Date('2019-05-17T18:44:32.500Z') });
      assert.equal(c.offline, true);
    });

    it('prefers the visitor object over the offline form', () => {
      const c = conversation({
        items: [offline('name: Form Name\nemail: form@example.com\nphone: 1\nMessage: x')],
        visitor: { fullName: 'Real Name', emailAddress: 'real@example.com', phoneNumber: '2' },
      });
      assert.deepEqual([c.visitor.name, c.visitor.email, c.visitor.phone], ['Real Name', 'real@example.com', '2']);
    });

    it('names the visitor by fullName, else the visitor_nickname of their messages, else the offline form', () => {
      const said = { kind: 'MessageToOperator', body: 'hi', timestamp: '1', nickname: 'Ann (ann@example.com)', visitor_nickname: 'Ann' };
      const form = offline('name: Formy\nMessage: x');
      assert.equal(conversation({ items: [said, form], visitor: { fullName: 'Full' } }).visitor.name, 'Full');
      assert.equal(conversation({ items: [said, form], visitor: {} }).visitor.name, 'Ann');
      assert.equal(conversation({ items: [form] }).visitor.name, 'Formy');
    });

    it('lower-cases and trims e-mail addresses', () => {
      assert.equal(conversation({ visitor: { emailAddress: '  Bob@Example.COM ' } }).visitor.email, 'bob@example.com');
    });

    it('picks authors: operator map, else item nickname; visitor nickname, else nickname, else the visitor', () => {
      const toVisitor = (extra: Record<string, unknown>) => ({ kind: 'MessageToVisitor', body: 'b', timestamp: '1', ...extra });
      const toOperator = (extra: Record<string, unknown>) => ({ kind: 'MessageToOperator', body: 'b', timestamp: '1', ...extra });
      const c = conversation({
        items: [
          toVisitor({ operatorId: '7', nickname: 'Item nick' }),
          toVisitor({ operatorId: '8', nickname: 'Unlisted' }),
          toVisitor({}),
          toOperator({ nickname: 'Generated #1' }),
          toOperator({}),
        ],
        operators: { 7: { nickname: 'Listed' } },
        visitor: { emailAddress: 'v@example.com' },
      });
      assert.deepEqual(
        c.messages.map((m) => `${m.role}:${m.author}`),
        ['operator:Listed', 'operator:Unlisted', 'operator:Operator', 'visitor:Generated #1', 'visitor:v@example.com'],
      );
    });

    it('keeps tags and group names, dropping blanks', () => {
      const c = conversation({
        tags: ['vip', ' ', ' case '],
        groups: [{ kind: 'Group', id: 'g1', name: 'Sales' }, { id: 'g2' }, { name: '' }],
      });
      assert.deepEqual(c.tags, ['vip', 'case']);
      assert.deepEqual(c.groups, ['Sales']);
    });

    it('leaves optional visitor fields out instead of setting them to undefined', () => {
      const c = conversation({ visitor: { fullName: 'Ann', ip: '' } });
      assert.deepEqual(Object.keys(c.visitor), ['name']);
    });
  });

  describe('toOperators', () => {
    it('falls back to the map key for the id and to username, then id, for the name', () => {
      assert.deepEqual(
        toOperators({
          '11': { username: 'jdoe', emailAddress: 'J@Example.com' },
          '12': {},
          '13': { id: '13', nickname: 'Jo' },
        }),
        [
          { id: '11', name: 'jdoe', email: 'j@example.com' },
          { id: '12', name: '12' },
          { id: '13', name: 'Jo' },
        ],
      );
    });
  });
});
