/**
 * Conversations for tests: the one factory the connector tests (and the Connector contract)
 * build chats with. The defaults are a visitor every CRM accepts (Ada, with an email) and three
 * lines; a suite that wants other defaults passes them, it does not write a factory of its own.
 */
import type { Conversation, Message, Visitor } from '../../src/domain/conversation';

/** 2026-11-22 15:00:00 UTC: when the default chat starts. */
export const T0 = Date.UTC(2026, 10, 22, 15, 0, 0);

export const ADA: Visitor = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0000',
  company: 'Analytical Engines',
  city: 'London',
  country: 'United Kingdom',
};

/** Who writes the lines and when: the visitor on even lines, the operator on odd ones. */
export interface LineStyle {
  readonly visitor: string;
  readonly operator: string;
  /** When line 0 was written (ms since the epoch). */
  readonly start: number;
  /** Between two lines. */
  readonly stepMs: number;
}

const DEFAULT_STYLE: LineStyle = { visitor: 'Ada Lovelace', operator: 'Grace (support)', start: T0, stepMs: 60_000 };

/** Line `i` of a chat: "message number i" unless `body` says otherwise. */
export const message = (
  i: number,
  role: Message['role'] = i % 2 === 0 ? 'visitor' : 'operator',
  body = `message number ${i}`,
  style: Partial<LineStyle> = {},
): Message => {
  const { visitor, operator, start, stepMs } = { ...DEFAULT_STYLE, ...style };
  return { role, author: role === 'visitor' ? visitor : operator, body, at: new Date(start + i * stepMs) };
};

/** `count` alternating lines, numbered from `first` ("message number <first>", …). */
export const lines = (count: number, style: Partial<LineStyle> & { readonly first?: number } = {}): Message[] =>
  Array.from({ length: count }, (_, i) => message(i, undefined, `message number ${i + (style.first ?? 0)}`, style));

let counter = 0;
/** An id no other test of this process uses (CRMs and stores outlive a single test in some suites). */
export const uniqueId = (prefix = 'conv'): string => `${prefix}${++counter}x${Date.now().toString(36)}`;

/** An Olark chat with Ada: three lines, one operator; `overrides` replace whole fields. */
export const conversation = (overrides: Partial<Conversation> = {}): Conversation => ({
  source: 'olark',
  id: 'conv-1',
  visitor: ADA,
  messages: [message(0, 'visitor', 'Hello, I would like a quote for 20 seats'), message(1), message(2)],
  tags: [],
  groups: [],
  operators: [{ id: 'op1', name: 'Grace' }],
  offline: false,
  ...overrides,
});

/** The same chat, later: `more` lines added after the ones it has. */
export const longer = (c: Conversation, more = 2): Conversation => ({
  ...c,
  messages: [...c.messages, ...Array.from({ length: more }, (_, i) => message(c.messages.length + i))],
});
