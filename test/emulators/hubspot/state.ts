/**
 * The emulator's in-memory portal: CRM objects, their property definitions, associations and
 * ticket pipelines. Validation follows HubSpot's object guides (https://developers.hubspot.com/docs/api/crm/contacts, …/tickets, …/notes); search sees writes only after
 * `searchLagMs`, as HubSpot's index does.
 */
import { contactExists, invalidProperties, notFound, propertyExists, uniqueValueTaken, validation, type PropertyProblem } from './errors';

export type ObjectType = 'contacts' | 'tickets' | 'notes' | 'companies';
export const OBJECT_TYPES: readonly ObjectType[] = ['contacts', 'tickets', 'notes', 'companies'];
export const isObjectType = (s: string): s is ObjectType => (OBJECT_TYPES as readonly string[]).includes(s);

/** https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm#object-type-ids */
export const OBJECT_TYPE_IDS: Readonly<Record<ObjectType, string>> = { contacts: '0-1', tickets: '0-5', notes: '0-46', companies: '0-2' };

const SINGULAR: Readonly<Record<ObjectType, string>> = { contacts: 'contact', tickets: 'ticket', notes: 'note', companies: 'company' };

/** HUBSPOT_DEFINED association types between the objects we emulate (SDK `AssociationTypes`). */
const ASSOCIATION_TYPE_IDS: Readonly<Record<string, number>> = {
  'notes>contacts': 202,
  'contacts>notes': 201,
  'notes>tickets': 228,
  'tickets>notes': 227,
  'tickets>contacts': 16,
  'contacts>tickets': 15,
  // Unlabelled (default) company associations (https://developers.hubspot.com/docs/api/crm/associations).
  'contacts>companies': 279,
  'companies>contacts': 280,
  'tickets>companies': 339,
  'companies>tickets': 340,
  'notes>companies': 190,
  'companies>notes': 189,
};

export const associationTypeId = (from: ObjectType, to: ObjectType): number | undefined => ASSOCIATION_TYPE_IDS[`${from}>${to}`];
export const associationLabel = (from: ObjectType, to: ObjectType): string => `${SINGULAR[from]}_to_${SINGULAR[to]}`;

export interface PropertyDefinition {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly fieldType: string;
  readonly groupName: string;
  readonly description: string;
  readonly hasUniqueValue: boolean;
  readonly hubspotDefined: boolean;
  readonly options: readonly { readonly label: string; readonly value: string }[];
  readonly maxLength?: number;
  /** `modificationMetadata.readOnlyValue`: HubSpot calculates it; API writes are refused. */
  readonly readOnlyValue: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface StoredObject {
  readonly id: string;
  readonly type: ObjectType;
  properties: Record<string, string>;
  readonly createdAt: Date;
  updatedAt: Date;
  /** Property snapshots with the time the search index will have caught up with them. */
  readonly indexed: { readonly visibleAt: number; readonly properties: Readonly<Record<string, string>> }[];
}

export interface PipelineStage {
  readonly id: string;
  readonly label: string;
  readonly displayOrder: number;
}

export interface Pipeline {
  readonly id: string;
  readonly label: string;
  readonly displayOrder: number;
  readonly stages: readonly PipelineStage[];
}

const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];
/** Default options of a new portal (https://knowledge.hubspot.com/properties/hubspots-default-contact-properties, …/default-ticket-properties). */
const LEAD_STATUSES = ['NEW', 'OPEN', 'IN_PROGRESS', 'OPEN_DEAL', 'UNQUALIFIED', 'ATTEMPTED_TO_CONTACT', 'CONNECTED', 'BAD_TIMING'];
const TICKET_PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT'];

/** A HubSpot user who can own records (https://developers.hubspot.com/docs/api/crm/owners). */
export interface Owner {
  readonly id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly userId: number;
  readonly type: 'PERSON' | 'QUEUE';
  readonly archived: boolean;
}

/** The sandbox's users; tests add their own to `state.owners`. */
export const SEEDED_OWNERS: readonly Owner[] = [
  { id: '70001', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', userId: 9_001, type: 'PERSON', archived: false },
  { id: '70002', email: 'alan@example.com', firstName: 'Alan', lastName: 'Turing', userId: 9_002, type: 'PERSON', archived: false },
];

type BuiltIn = string | [string, { options?: readonly string[]; maxLength?: number; unique?: boolean; readOnly?: boolean }];

/** The properties every new portal has, as far as we use them. */
const BUILT_IN: Readonly<Record<ObjectType, readonly BuiltIn[]>> = {
  contacts: [
    ['email', { unique: true }],
    'firstname',
    'lastname',
    'phone',
    'company',
    'city',
    'state',
    'country',
    'website',
    'jobtitle',
    ['lifecyclestage', { options: LIFECYCLE_STAGES }],
    ['hs_lead_status', { options: LEAD_STATUSES }],
    // An enumeration of language codes in HubSpot; kept free text here, so no code is refused wrongly.
    'hs_language',
    'hubspot_owner_id',
    ['hs_analytics_source', { readOnly: true }],
    ['hs_object_id', { readOnly: true }],
    ['createdate', { readOnly: true }],
    ['lastmodifieddate', { readOnly: true }],
  ],
  tickets: [
    'subject',
    ['content', { maxLength: 65_536 }],
    'hs_pipeline',
    'hs_pipeline_stage',
    ['hs_ticket_priority', { options: TICKET_PRIORITIES }],
    'hs_ticket_category',
    'hubspot_owner_id',
    ['hs_object_id', { readOnly: true }],
    ['createdate', { readOnly: true }],
    ['hs_lastmodifieddate', { readOnly: true }],
  ],
  notes: [
    ['hs_note_body', { maxLength: 65_536 }],
    'hs_timestamp',
    'hubspot_owner_id',
    'hs_attachment_ids',
    ['hs_object_id', { readOnly: true }],
    ['hs_createdate', { readOnly: true }],
    ['hs_lastmodifieddate', { readOnly: true }],
  ],
  companies: [
    'name',
    'domain',
    'city',
    'country',
    'hubspot_owner_id',
    ['hs_object_id', { readOnly: true }],
    ['createdate', { readOnly: true }],
    ['hs_lastmodifieddate', { readOnly: true }],
  ],
};

/** Returned by reads when no `properties` are asked for (HubSpot's documented defaults). */
export const DEFAULT_READ_PROPERTIES: Readonly<Record<ObjectType, readonly string[]>> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  tickets: [
    'content',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
    'hs_pipeline',
    'hs_pipeline_stage',
    'hs_ticket_category',
    'hs_ticket_priority',
    'subject',
  ],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
};

export const DEFAULT_TICKET_PIPELINE: Pipeline = {
  id: '0',
  label: 'Support Pipeline',
  displayOrder: 0,
  stages: [
    { id: '1', label: 'New', displayOrder: 0 },
    { id: '2', label: 'Waiting on contact', displayOrder: 1 },
    { id: '3', label: 'Waiting on us', displayOrder: 2 },
    { id: '4', label: 'Closed', displayOrder: 3 },
  ],
};

/** The custom property chat2crm's `npm run setup` creates on contacts and tickets. */
export const CHAT_CONVERSATION_ID = 'chat_conversation_id';

export interface StateOptions {
  readonly searchLagMs: number;
  /** Start with `chat_conversation_id` already defined, as after `npm run setup`. */
  readonly customProperties: boolean;
  readonly now?: () => number;
}

export type AssociationInput = { readonly toType: ObjectType; readonly toId: string; readonly typeId: number };

export class PortalState {
  readonly objects: Readonly<Record<ObjectType, Map<string, StoredObject>>> = {
    contacts: new Map(),
    tickets: new Map(),
    notes: new Map(),
    companies: new Map(),
  };
  readonly properties: Readonly<Record<ObjectType, Map<string, PropertyDefinition>>> = {
    contacts: new Map(),
    tickets: new Map(),
    notes: new Map(),
    companies: new Map(),
  };
  /** The portal's users who can own records; `hubspot_owner_id` must name one of them. */
  readonly owners: Owner[] = [...SEEDED_OWNERS];
  readonly pipelines: Pipeline[] = [DEFAULT_TICKET_PIPELINE];
  /** `type:id` → `type:id` → association type ids, kept symmetric like HubSpot's. */
  private readonly links = new Map<string, Map<string, Set<number>>>();
  /**
   * Properties the portal's admin requires on every new record (Settings → Objects → Create
   * Record); the API enforces them from version 2026-09 on. Tests add to these.
   */
  readonly requiredOnCreate: Readonly<Record<ObjectType, Set<string>>> = {
    contacts: new Set(),
    tickets: new Set(),
    notes: new Set(),
    companies: new Set(),
  };
  private nextId = 1001;
  searchLagMs: number;
  private readonly now: () => number;

  constructor(options: StateOptions) {
    this.searchLagMs = options.searchLagMs;
    this.now = options.now ?? Date.now;
    const created = new Date(0);
    for (const type of OBJECT_TYPES)
      for (const entry of BUILT_IN[type]) {
        const [name, extra] = typeof entry === 'string' ? [entry, {}] : entry;
        this.properties[type].set(name, {
          name,
          label: name,
          type: extra.options === undefined ? 'string' : 'enumeration',
          fieldType: extra.options === undefined ? 'text' : 'select',
          groupName:
            type === 'contacts'
              ? 'contactinformation'
              : type === 'tickets'
                ? 'ticketinformation'
                : type === 'companies'
                  ? 'companyinformation'
                  : 'engagement',
          description: '',
          hasUniqueValue: extra.unique ?? false,
          hubspotDefined: true,
          options: (extra.options ?? []).map((value) => ({ label: value, value })),
          ...(extra.maxLength === undefined ? {} : { maxLength: extra.maxLength }),
          readOnlyValue: extra.readOnly ?? false,
          createdAt: created,
          updatedAt: created,
        });
      }
    if (options.customProperties)
      for (const type of ['contacts', 'tickets'] as const)
        this.createProperty(type, {
          name: CHAT_CONVERSATION_ID,
          label: 'Chat conversation ID',
          type: 'string',
          fieldType: 'text',
          groupName: 'contactinformation',
          description: '',
          hasUniqueValue: true,
        });
  }

  /** Every stored object of a type (tests count these). */
  list(type: ObjectType): StoredObject[] {
    return [...this.objects[type].values()];
  }

  createProperty(
    type: ObjectType,
    input: Omit<PropertyDefinition, 'hubspotDefined' | 'options' | 'createdAt' | 'updatedAt' | 'readOnlyValue'> & {
      readonly options?: PropertyDefinition['options'];
    },
  ): PropertyDefinition {
    if (this.properties[type].has(input.name)) throw propertyExists(type, input.name);
    const at = new Date(this.now());
    const definition: PropertyDefinition = {
      options: [],
      ...input,
      hubspotDefined: false,
      readOnlyValue: false,
      createdAt: at,
      updatedAt: at,
    };
    this.properties[type].set(input.name, definition);
    return definition;
  }

  getProperty(type: ObjectType, name: string): PropertyDefinition {
    const definition = this.properties[type].get(name);
    if (definition === undefined) throw notFound(`Unable to find property ${name} for object type ${type}`);
    return definition;
  }

  private validate(type: ObjectType, properties: Readonly<Record<string, string>>, current: Readonly<Record<string, string>>): void {
    const problems: PropertyProblem[] = [];
    for (const [name, value] of Object.entries(properties)) {
      const definition = this.properties[type].get(name);
      if (definition === undefined || definition.readOnlyValue) {
        problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
        continue;
      }
      // HubSpot's exact code for an unknown owner id is UNVERIFIED; the per-property layout is HubSpot's.
      if (name === 'hubspot_owner_id' && value !== '' && !this.owners.some((o) => o.id === value && !o.archived)) {
        problems.push({ name, error: 'INVALID_OWNER_ID', message: `${value} is not a valid owner id` });
        continue;
      }
      if (definition.options.length > 0 && value !== '' && !definition.options.some((o) => o.value === value))
        problems.push({
          name,
          error: 'INVALID_OPTION',
          message: `${value} was not one of the allowed options: [${definition.options.map((o) => o.value).join(', ')}]`,
        });
      if (definition.maxLength !== undefined && value.length > definition.maxLength)
        problems.push({
          name,
          error: 'INVALID_LENGTH',
          message: `${name} is ${value.length} characters long; the limit is ${definition.maxLength}`,
        });
      if (name === 'email' && value !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))
        problems.push({ name, error: 'INVALID_EMAIL', message: `Email address ${value} is invalid` });
    }
    if (type === 'tickets') {
      const pipelineId = properties.hs_pipeline ?? current.hs_pipeline ?? DEFAULT_TICKET_PIPELINE.id;
      const stage = properties.hs_pipeline_stage ?? current.hs_pipeline_stage;
      const pipeline = this.pipelines.find((p) => p.id === pipelineId);
      if (pipeline === undefined)
        problems.push({ name: 'hs_pipeline', error: 'INVALID_OPTION', message: `${pipelineId} was not one of the allowed options` });
      else if (stage === undefined)
        problems.push({ name: 'hs_pipeline_stage', error: 'REQUIRED', message: 'hs_pipeline_stage is required' });
      else if (!pipeline.stages.some((s) => s.id === stage))
        problems.push({
          name: 'hs_pipeline_stage',
          error: 'INVALID_OPTION',
          message: `${stage} was not one of the allowed options: [${pipeline.stages.map((s) => s.id).join(', ')}]`,
        });
    }
    if (type === 'notes' && (properties.hs_timestamp ?? current.hs_timestamp) === undefined)
      problems.push({ name: 'hs_timestamp', error: 'REQUIRED', message: 'hs_timestamp is required' });
    if (problems.length > 0) throw invalidProperties(problems);
  }

  private normalise(properties: Readonly<Record<string, string>>): Record<string, string> {
    const out = { ...properties };
    if (out.email !== undefined) out.email = out.email.trim().toLowerCase();
    if (out.domain !== undefined) out.domain = out.domain.trim().toLowerCase();
    return out;
  }

  /** The object holding `value` in a unique property, if any. */
  findByUnique(type: ObjectType, property: string, value: string): StoredObject | undefined {
    const wanted = property === 'email' ? value.trim().toLowerCase() : value;
    for (const object of this.objects[type].values()) if (object.properties[property] === wanted) return object;
    return undefined;
  }

  private checkUnique(type: ObjectType, properties: Readonly<Record<string, string>>, selfId?: string): void {
    for (const [name, value] of Object.entries(properties)) {
      if (value === '' || this.properties[type].get(name)?.hasUniqueValue !== true) continue;
      const holder = this.findByUnique(type, name, value);
      if (holder === undefined || holder.id === selfId) continue;
      throw type === 'contacts' && name === 'email' ? contactExists(holder.id) : uniqueValueTaken(name, holder.id);
    }
  }

  private index(object: StoredObject): void {
    object.indexed.push({ visibleAt: this.now() + this.searchLagMs, properties: { ...object.properties } });
  }

  create(type: ObjectType, input: Readonly<Record<string, string>>, associations: readonly AssociationInput[] = []): StoredObject {
    const properties = this.normalise(input);
    this.validate(type, properties, {});
    if (type === 'contacts' && [properties.email, properties.firstname, properties.lastname].every((v) => v === undefined || v === ''))
      throw validation('A contact needs at least one of email, firstname or lastname.');
    this.checkUnique(type, properties);
    for (const a of associations) this.checkAssociation(type, a);
    const at = new Date(this.now());
    const id = String(this.nextId++);
    const object: StoredObject = { id, type, properties: { ...properties, hs_object_id: id }, createdAt: at, updatedAt: at, indexed: [] };
    this.objects[type].set(id, object);
    this.index(object);
    for (const a of associations) this.associate(type, id, a.toType, a.toId, a.typeId);
    return object;
  }

  update(type: ObjectType, object: StoredObject, input: Readonly<Record<string, string>>): StoredObject {
    const properties = this.normalise(input);
    if (Object.keys(properties).length === 0)
      throw validation('No properties found to update, please provide at least one.', { properties: ['{}'] });
    this.validate(type, properties, object.properties);
    this.checkUnique(type, properties, object.id);
    object.properties = { ...object.properties, ...properties };
    object.updatedAt = new Date(this.now());
    this.index(object);
    return object;
  }

  /** By object id, or by the value of a unique property when `idProperty` is given. */
  find(type: ObjectType, id: string, idProperty?: string): StoredObject | undefined {
    if (idProperty === undefined || idProperty === 'hs_object_id') return this.objects[type].get(id);
    const definition = this.properties[type].get(idProperty);
    // HubSpot's wording for an unknown idProperty is UNVERIFIED; the property-level layout names it.
    if (definition === undefined)
      throw invalidProperties([{ name: idProperty, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${idProperty}" does not exist` }]);
    if (!definition.hasUniqueValue) throw validation(`${idProperty} is not a unique identifier property for ${type}`);
    return this.findByUnique(type, idProperty, id);
  }

  archive(type: ObjectType, id: string): void {
    this.objects[type].delete(id);
    const key = `${type}:${id}`;
    for (const other of this.links.get(key)?.keys() ?? []) this.links.get(other)?.delete(key);
    this.links.delete(key);
  }

  /** What the search index shows for an object now: its state `searchLagMs` ago. */
  searchable(object: StoredObject): Readonly<Record<string, string>> | undefined {
    const now = this.now();
    let seen: Readonly<Record<string, string>> | undefined;
    for (const version of object.indexed) if (version.visibleAt <= now) seen = version.properties;
    return seen;
  }

  private checkAssociation(fromType: ObjectType, a: AssociationInput): void {
    if (associationTypeId(fromType, a.toType) !== a.typeId)
      throw validation(`association type id ${a.typeId} doesn't exist between ${fromType} and ${a.toType}`);
    if (!this.objects[a.toType].has(a.toId)) throw validation(`No ${SINGULAR[a.toType]} with ID ${a.toId} exists`);
  }

  associate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string, typeId: number): void {
    if (!this.objects[fromType].has(fromId)) throw notFound(`No ${SINGULAR[fromType]} with ID ${fromId} exists`);
    this.checkAssociation(fromType, { toType, toId, typeId });
    const reverse = associationTypeId(toType, fromType);
    this.link(`${fromType}:${fromId}`, `${toType}:${toId}`, typeId);
    if (reverse !== undefined) this.link(`${toType}:${toId}`, `${fromType}:${fromId}`, reverse);
  }

  private link(from: string, to: string, typeId: number): void {
    const targets = this.links.get(from) ?? new Map<string, Set<number>>();
    this.links.set(from, targets);
    const types = targets.get(to) ?? new Set<number>();
    targets.set(to, types);
    types.add(typeId);
  }

  /** Ids of `toType` objects associated with this object, with the association type ids. */
  associations(fromType: ObjectType, fromId: string, toType: ObjectType): { id: string; typeIds: number[] }[] {
    const out: { id: string; typeIds: number[] }[] = [];
    for (const [key, types] of this.links.get(`${fromType}:${fromId}`) ?? []) {
      const [type, id] = key.split(':');
      if (type === toType && id !== undefined) out.push({ id, typeIds: [...types] });
    }
    return out;
  }
}
