import { textRecord, type Conversation, type Visitor } from './conversation';

/** Every visitor field: a merge copies these and nothing else a stored or posted visitor may carry. */
const VISITOR_FIELDS = [
  'id',
  'name',
  'email',
  'phone',
  'company',
  'city',
  'region',
  'country',
  'countryCode',
  'pageUrl',
  'firstName',
  'lastName',
  'referrer',
  'ip',
  'browser',
  'os',
  'language',
] as const satisfies readonly (keyof Visitor)[];

const fill = (fresh: Visitor, known: Visitor): Visitor => {
  const merged: { -readonly [K in keyof Visitor]: Visitor[K] } = {};
  for (const key of VISITOR_FIELDS) {
    const given = Object.hasOwn(fresh, key) ? fresh[key] : undefined;
    const value = typeof given === 'string' ? given : Object.hasOwn(known, key) ? known[key] : undefined;
    if (typeof value === 'string') merged[key] = value;
  }
  return merged;
};

/** Keys the new post gives win; the rest of what we knew stays. */
const joinRecords = (known: Readonly<Record<string, string>> | undefined, fresh: Readonly<Record<string, string>> | undefined) =>
  known === undefined ? fresh : fresh === undefined ? known : textRecord([...Object.entries(known), ...Object.entries(fresh)]);

/** Each optional fact of the conversation: the new post's, else what we knew. */
const facts = (known: Conversation, fresh: Conversation): Partial<Conversation> => {
  const url = fresh.url ?? known.url;
  const startedAt = fresh.startedAt ?? known.startedAt;
  const endedAt = fresh.endedAt ?? known.endedAt;
  const rating = fresh.rating ?? known.rating;
  const custom = joinRecords(known.custom, fresh.custom);
  const form = joinRecords(known.form, fresh.form);
  return {
    ...(url === undefined ? {} : { url }),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(rating === undefined ? {} : { rating }),
    ...(custom === undefined ? {} : { custom }),
    ...(form === undefined ? {} : { form }),
  };
};

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

/**
 * A conversation posted again: the fuller transcript wins, visitor fields the new post leaves
 * blank keep what we knew, tags and groups accumulate.
 */
export const mergeConversation = (known: Conversation, fresh: Conversation): Conversation => ({
  ...fresh,
  visitor: fill(fresh.visitor, known.visitor),
  messages: fresh.messages.length >= known.messages.length ? fresh.messages : known.messages,
  tags: union(known.tags, fresh.tags),
  groups: union(known.groups, fresh.groups),
  operators: fresh.operators.length > 0 ? fresh.operators : known.operators,
  offline: fresh.offline && known.offline,
  ...facts(known, fresh),
});
