/** Olark payloads carrying the personal data of `PERSONAL`, and ways to spoil them. */
import { transcript } from '../../support/olark';
import { PERSONAL } from './harness';

type Json = Record<string, unknown>;

let counter = 0;
export const freshId = (label: string): string => `hostile-${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** A valid transcript with a visitor line, an operator line, a group and custom fields. */
export const hostileTranscript = (id: string): Json => {
  const payload: Json = { ...transcript({ id, name: PERSONAL.name, email: PERSONAL.email, groups: ['Sales'] }) };
  payload.visitor = { ...(payload.visitor as Json) };
  const visitor = payload.visitor as Json;
  visitor.id = 'hostile-visitor';
  visitor.phoneNumber = PERSONAL.phone;
  visitor.customFields = { plan: 'pro' };
  (payload.items as Json[])[0]!.body = PERSONAL.body;
  return payload;
};

/**
 * The same with every optional field left out (no names, no operator id, no tags): a field
 * read through a prototype would fill the gap, so this shows what escapes the codec.
 */
export const sparseTranscript = (id: string): Json => ({
  kind: 'Conversation',
  id,
  items: [
    { kind: 'MessageToOperator', body: PERSONAL.body, timestamp: '1558107754.5' },
    { kind: 'MessageToVisitor', body: 'How can I help?', timestamp: '1558107755.5' },
  ],
  // Padded and numeric values make the codec rebuild each object (trim, number to string), which is when a copy went wrong.
  visitor: {
    kind: 'Visitor',
    id: 'hostile-visitor',
    emailAddress: ` ${PERSONAL.email} `,
    phoneNumber: PERSONAL.phone,
    customFields: { plan: 'pro' },
  },
  operators: { '1029431': { kind: 'Operator', id: 1029431 } },
  groups: [{ kind: 'Group', name: 'Sales ' }],
});

/** Where a key can be put in a payload: each returns the object to put it on. */
export const LEVELS: Readonly<Record<string, (p: Json) => Json>> = {
  root: (p) => p,
  visitor: (p) => p.visitor as Json,
  'visitor.customFields': (p) => (p.visitor as Json).customFields as Json,
  'items.0 (visitor line)': (p) => (p.items as Json[])[0]!,
  'items.1 (operator line)': (p) => (p.items as Json[])[1]!,
  'operators (the map)': (p) => p.operators as Json,
  'operators.<id>': (p) => (p.operators as Json)['1029431'] as Json,
  'groups.0': (p) => (p.groups as Json[])[0]!,
};

/** Own, enumerable `key` (an object literal's `__proto__:` would set the prototype instead). */
export const defineKey = (target: Json, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

/** Fields that, read through a prototype, would forge the event: another conversation, a start event, a CEO as author. */
export const FORGING = {
  id: 'another-conversation',
  eventType: 'start',
  kind: 'Conversation',
  visitor: { emailAddress: 'someone.else@example.org' },
  nickname: 'The CEO',
  visitor_nickname: 'The CEO',
  username: 'The CEO',
  fullName: 'The CEO',
  name: 'The CEO',
};

/** Fields of the wrong type, which would break intake, storage or pages if they escaped the codec. */
export const BREAKING = {
  tags: [1, { a: 1 }],
  groups: 'not an array',
  operators: 7,
  items: 'not an array',
  nickname: 42,
  visitor_nickname: { x: 1 },
  operatorId: { y: 1 },
  timestamp: 'never',
  emailAddress: 42,
  fullName: { first: 1 },
  name: 42,
};
