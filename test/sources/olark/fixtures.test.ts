import assert from 'node:assert/strict';
import type { Either } from 'fp-ts/Either';
import type { Rejection } from '../../../src/domain/source';
import { fixtureBytes, fixtureNames, formBody, readOlark, type OlarkRead } from './fixtures';

const FORM = 'application/x-www-form-urlencoded';

const eventOf = (result: Either<Rejection, OlarkRead>): OlarkRead => {
  if (result._tag === 'Left') throw new Error(`${result.left.code}: ${result.left.detail ?? ''}`);
  return result.right;
};

const decodeFixture = (name: string): OlarkRead => eventOf(readOlark(fixtureBytes(name), 'application/json'));

const expectedKinds: Record<string, OlarkRead['kind']> = {
  'docs-offline-message.json': 'offline',
  'docs-transcript.json': 'transcript',
  'real-2013-transcript.json': 'transcript',
  'real-2019-offline-message.json': 'offline',
  'real-2019-start-event-ios.json': 'start',
  'real-2019-start-event.json': 'start',
  'real-2019-transcript-ios.json': 'transcript',
  'real-2019-transcript.json': 'transcript',
  'send-test-2022.json': 'test',
  'send-test.json': 'test',
};

describe('Olark fixtures', () => {
  it('has every expected fixture, and no unexpected one', () => {
    assert.deepEqual(fixtureNames(), Object.keys(expectedKinds).sort());
  });

  for (const name of fixtureNames()) {
    it(`decodes ${name} as ${expectedKinds[name] ?? '?'}, posted as JSON or as Olark's form`, () => {
      const asJson = decodeFixture(name);
      const asForm = eventOf(readOlark(formBody(fixtureBytes(name).toString('utf8')), FORM));
      assert.equal(asJson.kind, expectedKinds[name]);
      assert.equal(asJson.conversation.source, 'olark');
      assert.match(asJson.conversation.id, /^\w{32,33}$/);
      assert.deepEqual(asForm, asJson);
      for (const message of asJson.conversation.messages) assert.ok(!Number.isNaN(message.at.getTime()));
    });
  }

  it('maps the documented transcript: visitor, roles, authors, times, tags, groups, operators', () => {
    const { conversation: c } = decodeFixture('docs-transcript.json');
    assert.deepEqual(c.visitor, {
      id: '9QRF9YWM5XW3ZSU7P9CGWRU89944341',
      name: 'Bob Doe',
      email: 'bob@example.com',
      phone: '(555) 555-5555',
      company: 'Widgets Inc.',
      city: 'Palo Alto',
      region: 'CA',
      country: 'United State',
      countryCode: 'US',
      pageUrl: 'http://www.example.com/path',
      ip: '123.4.56.78',
      browser: 'Chrome 12.1',
      os: 'Windows',
    });
    assert.deepEqual(c.messages, [
      { role: 'operator', author: 'John', body: 'Hi there. Need any help?', at: new Date('2011-06-03T15:57:37.100Z') },
      { role: 'visitor', author: 'Bob', body: 'Yes, please help me with billing.', at: new Date('2011-06-03T15:57:41.250Z') },
    ]);
    assert.deepEqual(c.tags, ['olark', 'customer']);
    assert.deepEqual(c.groups, ['My Sales Group']);
    assert.deepEqual(c.operators, [{ id: '1234', name: 'John', email: 'john@example.com' }]);
    assert.equal(c.offline, false);
  });

  it("treats the empty emailAddress and the auto-generated name of the 2013 chat as absent, and keeps Olark's labels on the lines", () => {
    const { conversation: c } = decodeFixture('real-2013-transcript.json');
    assert.equal('email' in c.visitor, false);
    assert.equal('name' in c.visitor, false);
    assert.deepEqual(c.groups, ['Sales']);
    assert.deepEqual(c.tags, []);
    assert.deepEqual(
      c.messages.map((m) => `${m.role}:${m.author}`),
      [
        'visitor:Customer (City, State) #1234',
        'operator:Support Agent',
        'visitor:Customer (City, State) #1234',
        'operator:Support Agent',
        'visitor:Customer (City, State) #1234',
        'operator:Support Agent',
      ],
    );
    assert.deepEqual(c.messages[5]?.at, new Date('2013-04-18T12:56:38.620Z'));
  });

  it('uses the bare visitor_nickname, not the "Name (email)" nickname, as the visitor author', () => {
    const { conversation: c } = decodeFixture('real-2019-transcript-ios.json');
    assert.deepEqual(
      c.messages.map((m) => [m.role, m.author, m.at.toISOString()]),
      [
        ['operator', 'Paul', '2019-05-22T00:25:46.453Z'],
        ['visitor', 'Iphone Safari 5', '2019-05-22T00:25:58.624Z'],
        ['operator', 'Paul', '2019-05-22T00:26:19.657Z'],
      ],
    );
    assert.deepEqual(c.operators, [{ id: '1029431', name: 'Paul', email: 'operator@example.com' }]);
  });

  it('gives a start event and its later transcript the same conversation id', () => {
    const start = decodeFixture('real-2019-start-event.json');
    const transcript = decodeFixture('real-2019-transcript.json');
    assert.equal(start.conversation.id, transcript.conversation.id);
    assert.deepEqual(start.conversation.messages, []);
    assert.deepEqual(start.conversation.operators, []);
    assert.equal(start.conversation.visitor.email, 'visitor1@example.com');
    assert.deepEqual(start.conversation.groups, ['Spanish']);
  });

  it('maps the 2019 offline message: visitor fields, verbatim body, no operators', () => {
    const { conversation: c } = decodeFixture('real-2019-offline-message.json');
    assert.equal(c.offline, true);
    assert.deepEqual(c.operators, []);
    assert.deepEqual(c.messages, [
      {
        role: 'visitor',
        author: 'Paul',
        body: 'name: Paul\nemail: visitor1@example.com\nphone: 555.555.0100\nMessage: Just testing offlne messages',
        at: new Date('2019-05-17T18:44:32.501Z'),
      },
    ]);
    assert.equal(c.visitor.phone, '555.555.0100');
  });

  it('maps the documented offline message, which has no operators key', () => {
    const { conversation: c } = decodeFixture('docs-offline-message.json');
    assert.equal(c.offline, true);
    assert.deepEqual(c.operators, []);
    assert.equal(c.messages[0]?.author, 'John Doe');
    assert.equal(c.visitor.email, 'foo@example.com');
    assert.equal('pageUrl' in c.visitor, false);
  });

  it('recognises both Send test payloads and names the operator from the operators map', () => {
    const old = decodeFixture('send-test.json');
    const recent = decodeFixture('send-test-2022.json');
    assert.deepEqual(old.conversation.tags, ['test_example']);
    // The map says "77" while the item says "Olark operator": the map wins.
    assert.equal(old.conversation.messages[0]?.author, '77');
    assert.equal(recent.conversation.messages[0]?.author, 'integration');
    assert.equal(recent.conversation.messages[1]?.author, 'Olark Visitor');
    assert.equal(recent.conversation.operators[0]?.id, '6208911878914048');
    assert.equal(recent.conversation.visitor.email, 'support+integrationtest@olark.com');
  });
});
