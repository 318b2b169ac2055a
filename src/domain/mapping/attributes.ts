/**
 * The attributes a mapping template may read, and each one's value for a conversation. Every
 * platform fills what it knows (docs/mapping.md has the table); an unknown value is `undefined`,
 * never an empty string.
 */
import type { Conversation, Operator } from '../conversation';
import type { Action } from '../event';

/** Names with a fixed meaning; `custom.<key>` and `form.<label>` come on top. */
export const ATTRIBUTES = [
  'source',
  'record.type',
  'conversation.id',
  'conversation.url',
  'conversation.started_at',
  'conversation.ended_at',
  'conversation.messages',
  'visitor.name',
  'visitor.first_name',
  'visitor.last_name',
  'visitor.email',
  'visitor.phone',
  'visitor.company',
  'visitor.city',
  'visitor.region',
  'visitor.country',
  'visitor.country_code',
  'visitor.page_url',
  'visitor.referrer',
  'visitor.ip',
  'visitor.browser',
  'visitor.os',
  'visitor.language',
  'operator.name',
  'operator.email',
  'tags',
  'groups',
  'rating',
] as const;
export type AttributeName = (typeof ATTRIBUTES)[number];

const FIXED: ReadonlySet<string> = new Set(ATTRIBUTES);
const isFixed = (name: string): name is AttributeName => FIXED.has(name);
const PREFIXES = ['custom.', 'form.'] as const;

/** `custom.`/`form.` keys match case- and whitespace-insensitively: `Job title`, `job  title ` and `jobtitle` are one key. */
export const keyOf = (key: string): string => key.toLowerCase().replace(/\s+/g, '');

/** Why `name` is no attribute, or undefined when it is one. */
export const attributeProblem = (name: string): string | undefined => {
  if (FIXED.has(name)) return undefined;
  const prefix = PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return keyOf(name.slice(prefix.length)) === '' ? `"${name}" needs a key after "${prefix}"` : undefined;
  return `unknown attribute "${name}"`;
};

const COMMAND = /^\s*!(lead|case)\b/i;

/**
 * The agent who typed `!lead`/`!case` (the last one to), else the last agent who wrote; lines
 * carry the author's display name, which finds the operator and their email. An author no
 * operator entry names is still a name.
 */
export const operatorOf = (c: Conversation): Pick<Operator, 'name' | 'email'> | undefined => {
  const lines = c.messages.filter(
    (m) => m.role === 'operator' || (m.role === 'system' && COMMAND.test(m.body) && m.author.toLowerCase() !== c.source),
  );
  const commanded = lines.filter((m) => COMMAND.test(m.body)).at(-1);
  const line = commanded ?? lines.filter((m) => m.role === 'operator').at(-1);
  if (line === undefined) {
    // No line says who: a conversation with one operator is theirs.
    const [only, ...others] = c.operators;
    return only !== undefined && others.length === 0 ? only : undefined;
  }
  const author = line.author.replace(/ \(internal note\)$/, '');
  const known = c.operators.find((o) => o.name === author || o.id === author);
  return known ?? { name: author };
};

const findKey = (record: Readonly<Record<string, string>> | undefined, key: string): string | undefined => {
  if (record === undefined) return undefined;
  const wanted = keyOf(key);
  // The last of keys that differ only in case or spaces wins, as a later form answer does.
  return Object.entries(record)
    .filter(([k]) => keyOf(k) === wanted)
    .at(-1)?.[1];
};

const list = (xs: readonly string[]): string | undefined => (xs.length === 0 ? undefined : xs.join(', '));

/** Every fixed attribute of a conversation delivered as `action`, computed once per delivery. */
export const attributeValues = (c: Conversation, action: Action): ((name: string) => string | undefined) => {
  const v = c.visitor;
  const operator = operatorOf(c);
  const first = c.messages[0]?.at;
  const last = c.messages.at(-1)?.at;
  const fixed: Readonly<Record<AttributeName, string | undefined>> = {
    source: c.source,
    'record.type': action,
    'conversation.id': c.id,
    'conversation.url': c.url,
    'conversation.started_at': (c.startedAt ?? first)?.toISOString(),
    'conversation.ended_at': (c.endedAt ?? (c.startedAt === undefined ? last : undefined))?.toISOString(),
    'conversation.messages': String(c.messages.filter((m) => m.role !== 'system').length),
    'visitor.name': v.name,
    'visitor.first_name': v.firstName,
    'visitor.last_name': v.lastName,
    'visitor.email': v.email,
    'visitor.phone': v.phone,
    'visitor.company': v.company,
    'visitor.city': v.city,
    'visitor.region': v.region,
    'visitor.country': v.country,
    'visitor.country_code': v.countryCode,
    'visitor.page_url': v.pageUrl,
    'visitor.referrer': v.referrer,
    'visitor.ip': v.ip,
    'visitor.browser': v.browser,
    'visitor.os': v.os,
    'visitor.language': v.language,
    'operator.name': operator?.name,
    'operator.email': operator?.email,
    tags: list(c.tags),
    groups: list(c.groups),
    rating: c.rating,
  };
  return (name) => {
    if (name.startsWith('custom.')) return findKey(c.custom, name.slice('custom.'.length));
    if (name.startsWith('form.')) return findKey(c.form, name.slice('form.'.length));
    return isFixed(name) ? fixed[name] : undefined;
  };
};
