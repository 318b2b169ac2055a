import * as t from 'io-ts';
import { knownKeys, WellFormedText } from '../../domain/codecs';
import { AnswerText } from './wire-v3';
import { Id, IdLike, listOf, OptionalEmail, OptionalText, UnixSeconds } from './wire-common';

/**
 * Legacy REST v2 webhooks (deprecated, still sent by older accounts): `event_type` instead of
 * `action`, nothing signed. Shapes from LiveChat's v2 webhook documentation and a captured
 * `chat_ended` (aligent/orocrm-livechat-bundle, with the undocumented `event_unique_id`);
 * https://developers.livechat.com/docs/rest-api/v2, https://github.com/aligent/orocrm-livechat-bundle.
 */

/** `user_type` is `agent`, `supervisor` (a whisper: agents only) or `visitor`. */
export const V2Message = knownKeys(
  t.intersection([
    t.type({ text: WellFormedText, timestamp: UnixSeconds }),
    t.partial({ user_type: OptionalText, author_name: OptionalText, agent_id: OptionalText }),
  ]),
);
export type V2Message = t.TypeOf<typeof V2Message>;

export const V2Visitor = knownKeys(
  t.intersection([
    t.type({ id: Id }),
    t.partial({
      name: OptionalText,
      email: OptionalEmail,
      city: OptionalText,
      region: OptionalText,
      country: OptionalText,
      page_current: OptionalText,
      language: OptionalText,
      ip: OptionalText,
      /** `[{key, value}]`: what the site set through the tracking code (v2 webhook docs). */
      custom_variables: listOf(knownKeys(t.partial({ key: OptionalText, value: AnswerText }))),
    }),
  ]),
);
export type V2Visitor = t.TypeOf<typeof V2Visitor>;

export const V2SurveyField = knownKeys(t.partial({ type: OptionalText, label: OptionalText, answer: AnswerText, answers: AnswerText }));
export type V2SurveyField = t.TypeOf<typeof V2SurveyField>;

export const V2Chat = knownKeys(
  t.intersection([
    t.type({ id: Id }),
    t.partial({
      messages: listOf(V2Message),
      tags: listOf(WellFormedText),
      groups: listOf(IdLike),
      agents: listOf(knownKeys(t.partial({ name: OptionalText, login: OptionalText }))),
      started_timestamp: UnixSeconds,
      ended_timestamp: UnixSeconds,
      /** `rated_good`, `rated_bad` or `not_rated` (v2 chat object). */
      rate: OptionalText,
    }),
  ]),
);
export type V2Chat = t.TypeOf<typeof V2Chat>;

/**
 * `license_id` and `token` come with every v2 webhook and are the credentials of the
 * visitor-details call (https://developers.livechat.com/docs/rest-api/v2 "visitors").
 */
const V2Common = t.intersection([
  t.type({ event_type: t.string, license_id: IdLike, token: Id, visitor: V2Visitor }),
  t.partial({ event_unique_id: OptionalText, pre_chat_survey: listOf(V2SurveyField) }),
]);

/** The documented `chat_started` carries no chat; the captured one does. */
export const V2ChatStarted = knownKeys(t.intersection([V2Common, t.partial({ chat: V2Chat })]));
export type V2ChatStarted = t.TypeOf<typeof V2ChatStarted>;

export const V2ChatEnded = knownKeys(t.intersection([V2Common, t.type({ chat: V2Chat })]));
export type V2ChatEnded = t.TypeOf<typeof V2ChatEnded>;
