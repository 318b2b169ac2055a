/** The Connector contract's kit: what a CRM under test offers the suite, and the checks its tests share. */
import assert from 'node:assert/strict';
import type { Connector, UpsertInput } from '../../../src/domain/connector';
import type { Conversation } from '../../../src/domain/conversation';
import type { CrmFailure, Outcome } from '../../../src/domain/outcome';
import { conversation, uniqueId } from '../../support/conversations';

/** What a CRM under test can do, or why it cannot (the test is then pending, with that reason). */
export type Capability<T> = T | { readonly pending: string };

export const isPending = <T extends object>(c: Capability<T>): c is { readonly pending: string } => 'pending' in c;

/** The CRM's ways to fail, each scripted on the emulator for the next delivery. */
export interface FailureHooks {
  /** The CRM says "too many requests" (HubSpot: 429; Salesforce: 403 REQUEST_LIMIT_EXCEEDED). */
  readonly rateLimited: Capability<{
    inject(): void;
    /** The HTTP status the failure carries, where the connector keeps it. */
    readonly status?: number;
    /** What the CRM asked us to wait, when it sent a Retry-After. */
    readonly retryAfterMs?: number;
  }>;
  /** The CRM answers 5xx. */
  readonly unavailable: Capability<{ inject(): void }>;
  /** The CRM refuses the credentials (401). */
  readonly unauthorized: Capability<{
    inject(): void;
    /** The failure's message names what to fix (the key). */
    readonly names: RegExp;
  }>;
  /**
   * The create is refused as a conflict with a record the CRM already has (HubSpot: 409 "Contact
   * already exists"; Salesforce: its duplicate rule). Arranges that record for `c`, and gives its
   * id and the chat to deliver (`c`, or `c` with what makes the CRM match it, such as a phone).
   */
  readonly conflictOnCreate: Capability<{ arrange(c: Conversation): { readonly existing: string; readonly chat: Conversation } }>;
  /** For `upsertBatch`: makes the CRM refuse the record of the input returned, and that one only. */
  readonly refusedRecord: Capability<{ arrange(): UpsertInput }>;
}

export interface CrmUnderTest {
  /** A connector with working credentials; a test may make several. */
  connect(): Connector;
  /** How many objects of each type the CRM holds (contacts, notes, Leads, Tasks, local records…). */
  inventory(): Promise<Readonly<Record<string, number>>>;
  /** A connector without working credentials, and what its check() must name. */
  readonly withoutCredentials: Capability<{
    connect(): Connector;
    /** The name of the failing check item… */
    readonly item: string;
    /** …and what its detail says. */
    readonly detail: RegExp;
  }>;
  readonly failures: FailureHooks;
  /** Stops the emulator (or closes the store); called once, after close() was tested or not. */
  stop(): Promise<void>;
}

export const value = <T>(outcome: Outcome<T>): T => {
  if (!outcome.ok) assert.fail(`expected success, got ${outcome.failure.kind} ${outcome.failure.code}: ${outcome.failure.message}`);
  return outcome.value;
};

export const failureOf = <T>(outcome: Outcome<T>): CrmFailure => {
  if (outcome.ok) assert.fail(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.failure;
};

/** Resources that keep the event loop alive, by type (unref'd idle sockets are not counted). */
export const activeResources = (): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
};

/** What changed between two inventories, by type (types that did not change left out). */
export const delta = (
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Readonly<Record<string, number>> =>
  Object.fromEntries(
    [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .map((type) => [type, (after[type] ?? 0) - (before[type] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );

/** A visitor of this test alone: CRMs match people by email, so tests must not share one. */
export const freshChat = (): Conversation => {
  const id = uniqueId('contract');
  return conversation({ id, visitor: { name: 'Ada Lovelace', email: `${id}@example.com`, company: 'Analytical Engines' } });
};
