/** Olark bodies as Olark posts them (form field `data`), from the test helpers. */
import { olarkForm, transcript } from '../test/support/olark';

let emails = 0;
const uniqueEmail = () => `bench${process.pid}.${Date.now().toString(36)}.${++emails}@example.com`;

export interface Conversation {
  readonly id: string;
  readonly email: string;
  readonly kind: 'lead' | 'case';
}

/** A new visitor's chat that becomes a lead (or a case when tagged `case`). */
export const newConversation = (kind: 'lead' | 'case' = 'lead'): Conversation => {
  const t = transcript({ email: uniqueEmail(), ...(kind === 'case' ? { tags: ['case'] } : {}) });
  return { id: t.id, email: t.visitor.emailAddress, kind };
};

/** The form body for a conversation; more lines make a repeat a real update (a longer transcript). */
export const olarkBody = (c: Conversation, lines = 2): string =>
  olarkForm(transcript({ id: c.id, email: c.email, lines, ...(c.kind === 'case' ? { tags: ['case'] } : {}) }));

export const FORM_TYPE = 'application/x-www-form-urlencoded';
