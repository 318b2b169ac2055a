/**
 * A platform of our own for tests: registered by one definition, nowhere else. Its webhook takes
 * `{"event_id", "chat_id"}` (header `x-toy-key: open-sesame`); its plan is fetch → deliver →
 * notify, and its "API" answers fetches with the faults queued in `faults` (or `failAlways`),
 * records what it fetched and what it was shown, and can be slow.
 */
import { right, left } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Conversation } from '../../src/domain/conversation';
import { succeed, type CrmFailure, fail } from '../../src/domain/outcome';
import { reject, type ChatSource, type ShownLink, type SourceDefinition } from '../../src/domain/source';

export const TOY_TOKEN = 'toy-token-0123456789';
export const TOY_EMAIL_DOMAIN = 'toy.example';

const Body = t.type({ event_id: t.string, chat_id: t.string });

export interface ToySource {
  readonly definition: SourceDefinition;
  /** Answered by the next fetches, in order. */
  readonly faults: CrmFailure[];
  /** Answered by every fetch while set. */
  failAlways?: CrmFailure;
  /** How long a fetch takes (as if it were several calls in a row). */
  fetchLatencyMs: number;
  /** Conversation ids, one per fetch. */
  readonly fetches: string[];
  /** What notify showed, in order. */
  readonly shown: { readonly chatId: string; readonly link: ShownLink }[];
  /** A webhook for that chat. */
  post(serviceUrl: string, eventId: string, chatId: string): Promise<Response>;
  /** Any body, key and token (hostile and rejection tests). */
  send(serviceUrl: string, body: unknown, options?: { readonly key?: string; readonly token?: string }): Promise<Response>;
}

/** The transcript the toy API holds for every chat. */
export const toyChat = (id: string): Conversation => ({
  source: 'toy',
  id,
  visitor: { name: 'Toy Visitor', email: `${id}@${TOY_EMAIL_DOMAIN}` },
  messages: [
    { role: 'visitor', author: 'Toy Visitor', body: 'a private question', at: new Date('2026-01-01T10:00:00Z') },
    { role: 'operator', author: 'Agent', body: 'an answer', at: new Date('2026-01-01T10:00:05Z') },
  ],
  tags: [],
  groups: [],
  operators: [],
  offline: false,
});

export const toySource = (): ToySource => {
  const toy: ToySource = {
    faults: [],
    fetchLatencyMs: 0,
    fetches: [],
    shown: [],
    definition: {
      name: 'toy',
      title: 'Toy',
      tokenKey: 'TOY_WEBHOOK_TOKEN',
      configure: () => right(() => source),
    },
    post: (serviceUrl, eventId, chatId) => toy.send(serviceUrl, { event_id: eventId, chat_id: chatId }),
    send: (serviceUrl, body, options = {}) =>
      fetch(`${serviceUrl}/webhooks/toy/${options.token ?? TOY_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-toy-key': options.key ?? 'open-sesame' },
        body: JSON.stringify(body),
      }),
  };
  const source: ChatSource = {
    name: 'toy',
    answerMode: 'ack',
    verify: (request) => (request.header('x-toy-key') === 'open-sesame' ? undefined : reject('INVALID_SIGNATURE')),
    decode(request) {
      let value: unknown;
      try {
        value = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        return left(reject('MALFORMED_JSON'));
      }
      const body = Body.decode(value);
      if (body._tag === 'Left') return left(reject('INVALID_PAYLOAD', 'event_id and chat_id are required'));
      const thin: Conversation = { ...toyChat(body.right.chat_id), visitor: {}, messages: [] };
      return right([{ kind: 'conversation', dedupKey: body.right.event_id, conversation: thin, plan: ['fetch', 'deliver', 'notify'] }]);
    },
    answer: () => ({ status: 200, body: {} }),
    client: {
      async fetchConversation(view) {
        toy.fetches.push(view.id);
        if (toy.fetchLatencyMs > 0) await new Promise((r) => setTimeout(r, toy.fetchLatencyMs));
        const fault = toy.failAlways ?? toy.faults.shift();
        return fault === undefined ? succeed(toyChat(view.id)) : fail(fault);
      },
      async showRecord(view, link) {
        toy.shown.push({ chatId: view.id, link });
        return succeed(undefined);
      },
    },
  };
  return toy;
};
