/** Conversations the emulator serves, shaped like the types of test/fixtures/iadvize/schema.graphql. */
import { randomUUID } from 'node:crypto';

export type AuthorType = 'VISITOR' | 'OPERATOR' | 'BOT' | 'SYSTEM';

export interface SeedMessage {
  readonly id: string;
  readonly createdAt: string;
  readonly author: { readonly type: AuthorType; readonly name: string | null };
  readonly text: string | null;
  readonly attachments: readonly { readonly name: string | null; readonly url: string; readonly mimeType: string | null }[];
}

export interface SeedVisitor {
  readonly visitorId: string;
  readonly externalUserId: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
  readonly phoneNumber: string | null;
  readonly address: string | null;
  readonly city: string | null;
  readonly zipCode: string | null;
  readonly country: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SeedConversation {
  readonly id: string;
  readonly createdAt: string;
  readonly closedAt: string | null;
  readonly channel: string;
  readonly visitor: SeedVisitor | null;
  readonly tags: readonly { readonly id: string; readonly name: string }[];
  readonly closingFormValues: readonly { readonly fieldId: string; readonly label: string | null; readonly value: string | null }[] | null;
  readonly messages: readonly SeedMessage[];
}

export interface ConversationSpec {
  readonly id?: string;
  /** How many alternating visitor/operator messages; default 4. */
  readonly messages?: number;
  readonly email?: string | null;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly visitorId?: string;
  readonly channel?: string;
  readonly tags?: readonly string[];
  readonly closingForm?: readonly { readonly fieldId: string; readonly label?: string; readonly value: string }[];
  readonly startedAt?: Date;
  readonly closed?: boolean;
  readonly operatorName?: string;
}

/** A plausible conversation: visitor and operator take turns, one message a minute. */
export const makeConversation = (spec: ConversationSpec = {}): SeedConversation => {
  const start = spec.startedAt ?? new Date('2026-11-30T10:00:00.000Z');
  const count = spec.messages ?? 4;
  const at = (i: number) => new Date(start.getTime() + i * 60_000).toISOString();
  const visitorId = spec.visitorId ?? randomUUID();
  const messages: SeedMessage[] = Array.from({ length: count }, (_, i) => ({
    id: `m-${i + 1}`,
    createdAt: at(i),
    author: i % 2 === 0 ? { type: 'VISITOR', name: null } : { type: 'OPERATOR', name: spec.operatorName ?? 'Alice Agent' },
    text: `message ${i + 1}`,
    attachments: [],
  }));
  return {
    id: spec.id ?? randomUUID(),
    createdAt: start.toISOString(),
    closedAt: spec.closed === false ? null : at(count),
    channel: spec.channel ?? 'CHAT',
    visitor: {
      visitorId,
      externalUserId: null,
      firstName: spec.firstName ?? 'Vera',
      lastName: spec.lastName ?? 'Visitor',
      email: spec.email === undefined ? 'vera.visitor@example.com' : spec.email,
      phoneNumber: null,
      address: null,
      city: 'Nantes',
      zipCode: null,
      country: 'FR',
      createdAt: start.toISOString(),
      updatedAt: start.toISOString(),
    },
    tags: (spec.tags ?? []).map((name, i) => ({ id: String(i + 1), name })),
    closingFormValues:
      spec.closingForm === undefined ? null : spec.closingForm.map((v) => ({ fieldId: v.fieldId, label: v.label ?? null, value: v.value })),
    messages,
  };
};
