/** Shared by the LiveChat source tests: requests as the edge hands them over, fixtures, a configured source. */
import assert from 'node:assert/strict';
import type { Either } from 'fp-ts/Either';
import type { Env } from '../../../src/domain/connector';
import { silentLog } from '../../../src/domain/log';
import type { ChatSource, ConversationView, InboundEvent, Rejection, SourceRequest } from '../../../src/domain/source';
import { livechatSource } from '../../../src/sources/livechat';
import { fixturesOf } from '../../support/fixtures';
import { sourceRequest } from '../../support/requests';

export const { names: fixtureNames, bytes: fixtureBytes, json: fixtureJson } = fixturesOf('livechat');

export const requestOf = (
  body: Buffer | string | object,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): SourceRequest => sourceRequest({ body: Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body), headers });

export const makeSource = (env: Env = {}, callTimeoutMs = 2000): ChatSource => {
  const configured = livechatSource.configure(env);
  if (configured._tag === 'Left') throw new Error('bad LiveChat test configuration');
  return configured.right({ log: silentLog, publicUrl: 'http://127.0.0.1:3000', callTimeoutMs, syncDeadlineMs: 8000 });
};

export const eventsOf = (result: Either<Rejection, readonly InboundEvent[]>): readonly InboundEvent[] => {
  if (result._tag === 'Left') assert.fail(`rejected: ${result.left.code} ${result.left.detail ?? ''}`);
  return result.right;
};

export const rejectionOf = (result: Either<Rejection, readonly InboundEvent[]>): Rejection => {
  if (result._tag === 'Right') assert.fail(`expected a rejection, got ${JSON.stringify(result.right)}`);
  return result.left;
};

export type ConversationEvent = Extract<InboundEvent, { kind: 'conversation' }>;

export const onlyConversation = (events: readonly InboundEvent[]): ConversationEvent => {
  assert.equal(events.length, 1);
  const [event] = events;
  assert.ok(event !== undefined && event.kind === 'conversation', JSON.stringify(event));
  return event;
};

/** The stored view a step would see after intake of this event. */
export const viewOf = (event: ConversationEvent): ConversationView => ({
  id: event.conversation.id,
  conversation: event.conversation,
  meta: event.meta ?? {},
});
