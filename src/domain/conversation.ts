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
}

/** A name a person would recognise for the visitor, with fallbacks that never are empty. */
export const visitorLabel = (v: Visitor): string => v.name ?? v.email ?? v.phone ?? 'Chat visitor';
