/** The kind of CRM record a conversation becomes (routing.ts decides, `?record=` or an agent command may force it). */
export type Action = 'lead' | 'case';

/**
 * What a connector created or updated in the CRM. Stored by us and handed back on the next
 * delivery of the same conversation, so the connector updates these objects instead of
 * creating new ones.
 */
export interface CrmRecord {
  /** Connector name (`local`, `hubspot`, `salesforce`). */
  readonly crm: string;
  readonly action: Action;
  /** The CRM's object type of the main record (`contact`, `ticket`, `Lead`, `Case`, …). */
  readonly type: string;
  readonly id: string;
  /** Where a person opens the record. */
  readonly url: string;
  /** Further CRM ids the connector needs to update in place (note, task, contact, …). */
  readonly refs: Readonly<Record<string, string>>;
}

/** A person (contact, lead) found in the CRM. */
export interface CrmPerson {
  readonly type: string;
  readonly id: string;
  readonly url: string;
  /** What the CRM holds of them, where it does (shown to the agent beside the link). */
  readonly name?: string;
  readonly company?: string;
}
