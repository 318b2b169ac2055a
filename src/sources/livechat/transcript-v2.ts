import { textRecord, visitorLabel, type Conversation, type Message, type Operator, type Visitor } from '../../domain/conversation';
import { INTERNAL_MARKER, SOURCE } from './transcript-v3';
import { usableEmail } from './wire-common';
import type { V2Chat, V2ChatEnded, V2ChatStarted, V2Message, V2SurveyField } from './wire-v2';

/**
 * v2 webhooks → the domain conversation. Pure. `supervisor` lines are whispers only agents saw
 * (LiveChat v2 webhook docs: `user_type` agent | supervisor | visitor): they become internal notes,
 * marked as in v3 (transcript-v3.ts). The captured 2017 `chat_ended` labels the visitor's lines
 * `user_type: "agent"` without an `agent_id` (https://github.com/aligent/orocrm-livechat-bundle,
 * `Tests/Functional/Service/Webhook/ChatEndTest.php`), so an agent line without `agent_id` is taken
 * as the visitor's.
 */

const field = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => {
  const entry: Partial<Record<K, V>> = {};
  if (value !== undefined) entry[key] = value;
  return entry;
};

const normalizeEmail = usableEmail;

const surveyAnswer = (survey: readonly V2SurveyField[], type: string): string | undefined =>
  survey
    .filter((f) => f.type === type)
    .map((f) => f.answer ?? f.answers)
    .find((a) => a !== undefined);

export const toV2Visitor = (event: V2ChatStarted | V2ChatEnded): Visitor => {
  const v = event.visitor;
  const survey = event.pre_chat_survey ?? [];
  return {
    id: v.id,
    ...field('name', v.name ?? surveyAnswer(survey, 'name')),
    ...field('email', normalizeEmail(v.email) ?? normalizeEmail(surveyAnswer(survey, 'email'))),
    ...field('city', v.city),
    ...field('region', v.region),
    ...field('country', v.country),
    ...field('pageUrl', v.page_current),
    ...field('language', v.language),
    ...field('ip', v.ip),
  };
};

/** `pre_chat_survey` answers by label, without the colon of LiveChat's default labels. */
export const surveyAnswers = (survey: readonly V2SurveyField[]): Conversation['form'] =>
  textRecord(
    survey.flatMap((f) => {
      const key = f.label ?? f.type;
      return key === undefined ? [] : [[key.trim().replace(/\s*:$/, ''), f.answer ?? f.answers] as const];
    }),
  );

const RATES: Readonly<Record<string, string>> = { rated_good: 'good', rated_bad: 'bad' };

/** Facts of a v2 event beyond the transcript. */
const v2Facts = (event: V2ChatStarted | V2ChatEnded): Partial<Conversation> => {
  const rate = event.chat?.rate;
  const custom = textRecord(
    (event.visitor.custom_variables ?? []).flatMap((v) => (v.key === undefined ? [] : [[v.key, v.value] as const])),
  );
  return {
    ...field('startedAt', event.chat?.started_timestamp),
    ...field('endedAt', event.chat?.ended_timestamp),
    ...field('rating', rate === undefined || !Object.hasOwn(RATES, rate) ? undefined : RATES[rate]),
    ...field('custom', custom),
    ...field('form', surveyAnswers(event.pre_chat_survey ?? [])),
  };
};

const toV2Message = (m: V2Message, visitor: Visitor): Message | undefined => {
  if (m.text.trim() === '') return undefined;
  const name = m.author_name ?? m.agent_id ?? 'Agent';
  switch (m.user_type) {
    case 'supervisor':
      return { role: 'system', author: `${name}${INTERNAL_MARKER}`, body: m.text, at: m.timestamp };
    case 'agent':
      if (m.agent_id !== undefined) return { role: 'operator', author: name, body: m.text, at: m.timestamp };
      return { role: 'visitor', author: m.author_name ?? visitorLabel(visitor), body: m.text, at: m.timestamp };
    case 'visitor':
      return { role: 'visitor', author: m.author_name ?? visitorLabel(visitor), body: m.text, at: m.timestamp };
    default:
      return { role: 'system', author: 'LiveChat', body: m.text, at: m.timestamp };
  }
};

/** The pre-chat survey as the first line, `label: answer` per field, like a v3 form. */
const surveyMessage = (survey: readonly V2SurveyField[], visitor: Visitor, at: Date): Message | undefined => {
  const lines = survey.flatMap((f) => {
    const answer = f.answer ?? f.answers;
    return answer === undefined ? [] : [`${f.label ?? f.type ?? 'field'}${f.label?.endsWith(':') === true ? '' : ':'} ${answer}`];
  });
  return lines.length === 0 ? undefined : { role: 'visitor', author: visitorLabel(visitor), body: lines.join('\n'), at };
};

const operatorsOf = (chat: V2Chat): Operator[] => {
  const seen = new Map<string, Operator>();
  for (const m of chat.messages ?? []) {
    if (m.agent_id !== undefined && !seen.has(m.agent_id))
      seen.set(m.agent_id, { id: m.agent_id, name: m.author_name ?? m.agent_id, ...field('email', normalizeEmail(m.agent_id)) });
  }
  for (const a of chat.agents ?? []) {
    if (a.login !== undefined && !seen.has(a.login))
      seen.set(a.login, { id: a.login, name: a.name ?? a.login, ...field('email', normalizeEmail(a.login)) });
  }
  return [...seen.values()];
};

export const toV2Conversation = (event: V2ChatEnded): Conversation => {
  const visitor = toV2Visitor(event);
  const chat = event.chat;
  const lines = (chat.messages ?? []).map((m) => toV2Message(m, visitor)).filter((m) => m !== undefined);
  const firstAt = chat.started_timestamp ?? lines[0]?.at ?? new Date(0);
  const survey = surveyMessage(event.pre_chat_survey ?? [], visitor, firstAt);
  return {
    source: SOURCE,
    id: chat.id,
    visitor,
    messages: survey === undefined ? lines : [survey, ...lines],
    tags: chat.tags ?? [],
    groups: chat.groups ?? [],
    operators: operatorsOf(chat),
    offline: false,
    ...v2Facts(event),
  };
};

/**
 * The documented `chat_started` has no chat id: its conversation is keyed by the visitor so
 * the lookup has a home; it never becomes a record.
 */
export const v2StartConversationId = (event: V2ChatStarted): string => event.chat?.id ?? `visitor-${event.visitor.id}`;

export const toV2StartConversation = (event: V2ChatStarted): Conversation => ({
  source: SOURCE,
  id: v2StartConversationId(event),
  visitor: toV2Visitor(event),
  messages: [],
  tags: event.chat?.tags ?? [],
  groups: event.chat?.groups ?? [],
  operators: event.chat === undefined ? [] : operatorsOf(event.chat),
  offline: false,
  ...v2Facts(event),
});
