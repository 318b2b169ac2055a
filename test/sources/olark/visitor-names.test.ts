/** Olark's made-up visitor labels are no name: nothing a CRM should file as the person's name. */
import assert from 'node:assert/strict';
import { OlarkPayload } from '../../../src/sources/olark/codec';
import { toConversation, toVisitor } from '../../../src/sources/olark/mappers';
import { toLeadFields } from '../../../connectors/salesforce/mappers';
import { fixtureJson } from './fixtures';
import { visitorLabel } from '../../../src/domain/conversation';

const payloadOf = (value: unknown): OlarkPayload => {
  const decoded = OlarkPayload.decode(value);
  if (decoded._tag === 'Left') assert.fail('test payload does not decode');
  return decoded.right;
};
const said = (nickname: string) => ({
  kind: 'MessageToOperator',
  body: 'hi',
  timestamp: '1558107760.1',
  nickname,
  visitor_nickname: nickname,
});
const visitor = (fullName: string | undefined, items: unknown[] = []) =>
  toVisitor(
    payloadOf({
      kind: 'Conversation',
      id: 'c1',
      items,
      visitor: { kind: 'Visitor', id: 'v1', ...(fullName === undefined ? {} : { fullName }) },
    }),
  );

describe('Olark visitor names', () => {
  for (const label of [
    'Customer (City, State) #1234',
    'Returning Visitor | USA (San Francisco, CA) #7617',
    'Visitor 1234',
    'Visitor #1234',
    'visitor',
    'Olark Visitor',
    'Returning Visitor',
    'Guest 42',
    '  #1234 ',
    '',
    '   ',
  ])
    it(`takes ${JSON.stringify(label)} for no name`, () => {
      assert.equal('name' in visitor(label), false);
    });

  for (const name of ['Ada Lovelace', 'Paul', 'Visitor Relations Team', 'Iphone Safari 5', 'José #1 fan of Olark', 'Guestrin'])
    it(`keeps the name ${JSON.stringify(name)}`, () => {
      assert.equal(visitor(name).name, name);
    });

  it("falls back to the visitor's own nickname, then the offline form, past automatic labels", () => {
    assert.equal(visitor('Customer (City, State) #1234', [said('Visitor 99'), said('Grace Hopper')]).name, 'Grace Hopper');
    const offline = { kind: 'OfflineMessage', body: 'name: Paul Smith\nemail: p@example.com\nMessage: call me', timestamp: '1558118672.5' };
    assert.equal(visitor('Visitor 1234', [offline]).name, 'Paul Smith');
    assert.equal(visitor(' Ada ').name, 'Ada');
  });

  it('gives Salesforce no LastName "#1234" for the 2013 chat, and the agent a label still', () => {
    const conversation = toConversation(payloadOf(fixtureJson('real-2013-transcript.json')));
    const fields = toLeadFields(conversation, { leadSource: 'Web' });
    assert.equal(fields['LastName'], '[not provided]');
    assert.equal('FirstName' in fields, false);
    assert.equal(visitorLabel(conversation.visitor), 'Chat visitor');
  });
});
