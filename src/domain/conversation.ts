/** Who wrote a line of the chat. */
export type Role = 'visitor' | 'operator' | 'system';

export interface Message {
  readonly role: Role;
  /** Display name as the chat platform showed it. */
  readonly author: string;
  readonly body: string;
  readonly at: Date;
}

export interface Visitor {
  /** The platform's own visitor id, stable across conversations of one browser. */
  readonly id?: string;
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly company?: string;
  readonly city?: string;
  readonly region?: string;
  readonly country?: string;
  readonly countryCode?: string;
  readonly pageUrl?: string;
  /** Only where the platform gives the name in parts (iAdvize); elsewhere `name` holds it whole. */
  readonly firstName?: string;
  readonly lastName?: string;
  /** The page that sent the visitor to the site. */
  readonly referrer?: string;
  readonly ip?: string;
  readonly browser?: string;
  readonly os?: string;
  /** As the platform states it (`en`, `fr-FR`). */
  readonly language?: string;
}

export interface Operator {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
}

/**
 * The name of a chat platform (`olark`, `livechat`, …): a key of the source registry
 * (src/sources/index.ts), which the domain does not import.
 */
export type SourceName = string;

/** One chat conversation, normalized from any chat platform. */
export interface Conversation {
  readonly source: SourceName;
  /** The platform's conversation id: stable across re-posts of the same chat. */
  readonly id: string;
  readonly visitor: Visitor;
  readonly messages: readonly Message[];
  readonly tags: readonly string[];
  readonly groups: readonly string[];
  readonly operators: readonly Operator[];
  /** An offline message (left while no operator was online) rather than a live chat. */
  readonly offline: boolean;
  // What else the platform told about the chat; every one optional: absent is unknown, never empty.
  /** The chat in the platform's own app, where the platform has such a page. */
  readonly url?: string;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
  /** The visitor's rating of the chat, as the platform words it (`5`, `good`). */
  readonly rating?: string;
  /** Values the site set on the visitor (Olark custom fields, LiveChat session fields, …), by the site's own key. */
  readonly custom?: Readonly<Record<string, string>>;
  /** Form answers (pre-chat, post-chat, closing form), by the question's label. */
  readonly form?: Readonly<Record<string, string>>;
}

/**
 * `pairs` as a record: blank keys and values left out, the last of two equal keys kept, and a
 * key such as `__proto__` defined as data, never a prototype. `undefined` when nothing is left.
 */
export const textRecord = (pairs: Iterable<readonly [string, string | undefined]>): Readonly<Record<string, string>> | undefined => {
  const out: Record<string, string> = {};
  let any = false;
  for (const [rawKey, rawValue] of pairs) {
    const key = rawKey.trim();
    const value = rawValue?.trim();
    if (key === '' || value === undefined || value === '') continue;
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    any = true;
  }
  return any ? out : undefined;
};

/** A scalar a platform sent as a custom value, as text; objects and arrays are not values. */
export const scalarText = (u: unknown): string | undefined =>
  typeof u === 'string'
    ? u.toWellFormed()
    : typeof u === 'number' && Number.isFinite(u)
      ? String(u)
      : typeof u === 'boolean'
        ? String(u)
        : undefined;

/** A name a person would recognise for the visitor, with fallbacks that never are empty. */
export const visitorLabel = (v: Visitor): string => v.name ?? v.email ?? v.phone ?? 'Chat visitor';
