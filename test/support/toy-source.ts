/**
 * A platform of our own for operations tests: registered by one definition, its webhook takes
 * `{"event_id", "chat_id"}` (header `x-toy-key: open-sesame`), and its steps (fetch, deliver,
 * notify) call a "client" that answers with the faults queued in `faults`, or `failAlways`.
 */
import { right, left } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Conversation } from '../../src/domain/conversation';
import { succeed, type CrmFailure, fail } from '../../src/domain/outcome';
import { reject, type ChatSource, type SourceDefinition } from '../../src/domain/source';

export const TOY_TOKEN = 'toy-token-0123456789';
export const TOY_EMAIL_DOMAIN = 'toy.example';

const Body = t.type({ event_id: t.string, chat_id: t.string });

export interface ToySource {
  readonly definition: SourceDefinition;
  /** Answered by the next fetches, in order. */
  readonly faults: CrmFailure[];
  /** Answered by every fetch while set. */
  failAlways?: CrmFailure;
  post(serviceUrl: string, eventId: string, chatId: string): Promise<Response>;
}

export const toySource = (): ToySource => {
  const chat = (id: string): Conversation => ({
    source: 'toy',
    id,
    visitor: { name: 'Toy Visitor', email: `${id}@${TOY_EMAIL_DOMAIN}` },
    messages: [{ role: 'visitor', author: 'Toy Visitor', body: 'a private question', at: new Date('2026-01-01T10:00:00Z') }],
    tags: [],
    groups: [],
    operators: [],
    offline: false,
  });
  const toy: ToySource = {
    faults: [],
    definition: {
      name: 'toy',
      title: 'Toy',
      tokenKey: 'TOY_WEBHOOK_TOKEN',
      configure: () => right(() => source),
    },
    post: (serviceUrl, eventId, chatId) =>
      fetch(`${serviceUrl}/webhooks/toy/${TOY_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-toy-key': 'open-sesame' },
        body: JSON.stringify({ event_id: eventId, chat_id: chatId }),
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
      return right([{ kind: 'conversation', dedupKey: body.right.event_id, conversation: { ...chat(body.right.chat_id), visitor: {}, messages: [] }, plan: ['fetch', 'deliver', 'notify'] }]);
    },
    answer: () => ({ status: 200, body: {} }),
    client: {
      async fetchConversation(view) {
        const fault = toy.failAlways ?? toy.faults.shift();
        return fault === undefined ? succeed(chat(view.id)) : fail(fault);
      },
      async showRecord() {
        return succeed(undefined);
      },
    },
  };
  return toy;
};
