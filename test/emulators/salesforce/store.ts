/**
 * The emulated org: a schema for the objects chat2crm touches and their records. Field limits,
 * required fields and picklists follow the sObject reference
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm)
 * and Salesforce's sObjects OpenAPI spec (v59.0).
 */
export type FieldType = 'id' | 'string' | 'textarea' | 'email' | 'phone' | 'picklist' | 'boolean' | 'reference' | 'date' | 'datetime';

export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly length?: number;
  readonly required?: boolean;
  readonly readonly?: boolean;
  readonly externalId?: boolean;
  readonly unique?: boolean;
  readonly caseSensitive?: boolean;
  readonly picklist?: readonly string[];
  /** A restricted picklist refuses any value not in `picklist` (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  readonly restricted?: boolean;
  readonly defaultValue?: string;
  /** Object types a reference field may point to. */
  readonly referenceTo?: readonly string[];
}

export interface ObjectSpec {
  readonly name: string;
  readonly keyPrefix: string;
  readonly fields: Map<string, FieldSpec>;
}

export type SfRecord = Record<string, unknown> & { Id: string };

export interface SaveError {
  readonly errorCode: string;
  readonly message: string;
  readonly fields?: readonly string[];
  readonly [extra: string]: unknown;
}

const text = (name: string, label: string, length: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  label,
  type: 'string',
  length,
  ...extra,
});
const common = (): FieldSpec[] => [
  { name: 'Id', label: 'Record ID', type: 'id', readonly: true },
  { name: 'OwnerId', label: 'Owner ID', type: 'reference', referenceTo: ['User'] },
  { name: 'CreatedDate', label: 'Created Date', type: 'datetime', readonly: true },
  { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', readonly: true },
];
const externalIdField = (name: string): FieldSpec =>
  text(name, 'Chat Conversation Id', 255, { externalId: true, unique: true, caseSensitive: true });

export const defaultSchema = (externalId: string): Map<string, ObjectSpec> => {
  const object = (name: string, keyPrefix: string, fields: FieldSpec[]): [string, ObjectSpec] => [
    name,
    { name, keyPrefix, fields: new Map([...common(), ...fields].map((f) => [f.name, f])) },
  ];
  return new Map([
    object('Lead', '00Q', [
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      text('Company', 'Company', 255, { required: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Phone', type: 'phone', length: 40 },
      text('City', 'City', 40),
      text('State', 'State/Province', 80),
      text('Country', 'Country', 80),
      {
        name: 'LeadSource',
        label: 'Lead Source',
        type: 'picklist',
        length: 255,
        picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'],
        restricted: true,
      },
      {
        name: 'Status',
        label: 'Status',
        type: 'picklist',
        length: 255,
        picklist: ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'],
        defaultValue: 'Open - Not Contacted',
        restricted: true,
      },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      { name: 'IsConverted', label: 'Converted', type: 'boolean', readonly: true },
      { name: 'ConvertedContactId', label: 'Converted Contact ID', type: 'reference', readonly: true, referenceTo: ['Contact'] },
      externalIdField(externalId),
    ]),
    object('Contact', '003', [
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
      { name: 'AccountId', label: 'Account ID', type: 'reference', referenceTo: ['Account'] },
      { name: 'Description', label: 'Contact Description', type: 'textarea', length: 32000 },
    ]),
    object('Account', '001', [text('Name', 'Account Name', 255, { required: true })]),
    object('Case', '500', [
      text('Subject', 'Subject', 255),
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      { name: 'Origin', label: 'Case Origin', type: 'picklist', length: 255, picklist: ['Phone', 'Email', 'Web'], restricted: true },
      {
        name: 'Status',
        label: 'Status',
        type: 'picklist',
        length: 255,
        picklist: ['New', 'Working', 'Escalated', 'Closed'],
        defaultValue: 'New',
        restricted: true,
      },
      {
        name: 'Priority',
        label: 'Priority',
        type: 'picklist',
        length: 255,
        picklist: ['High', 'Medium', 'Low'],
        defaultValue: 'Medium',
        restricted: true,
      },
      { name: 'AccountId', label: 'Account ID', type: 'reference', referenceTo: ['Account'] },
      text('SuppliedName', 'Name', 80),
      { name: 'SuppliedEmail', label: 'Email Address', type: 'email', length: 80 },
      { name: 'SuppliedPhone', label: 'Phone', type: 'phone', length: 40 },
      { name: 'ContactId', label: 'Contact ID', type: 'reference', referenceTo: ['Contact'] },
      externalIdField(externalId),
    ]),
    object('User', '005', [
      text('Name', 'Full Name', 121, { readonly: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 128 },
      text('Username', 'Username', 80),
      { name: 'IsActive', label: 'Active', type: 'boolean' },
    ]),
    object('Task', '00T', [
      text('Subject', 'Subject', 255),
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      {
        name: 'Status',
        label: 'Status',
        type: 'picklist',
        length: 255,
        picklist: ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
        defaultValue: 'Not Started',
      },
      { name: 'Priority', label: 'Priority', type: 'picklist', length: 255, picklist: ['High', 'Normal', 'Low'], defaultValue: 'Normal' },
      { name: 'ActivityDate', label: 'Due Date Only', type: 'date' },
      { name: 'WhoId', label: 'Name ID', type: 'reference', referenceTo: ['Lead', 'Contact'] },
      { name: 'WhatId', label: 'Related To ID', type: 'reference', referenceTo: ['Case', 'Account'] },
    ]),
  ]);
};

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 15-character id plus the 3-character case-safe suffix Salesforce computes from it. */
export const salesforceId = (prefix: string, n: number): string => {
  let body = '';
  for (let rest = n; body.length < 10; rest = Math.floor(rest / 62)) body = (BASE62[rest % 62] ?? '0') + body;
  const id15 = `${prefix}5g${body}`;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i] ?? '')) bits |= 1 << i;
    suffix += SUFFIX[bits] ?? 'A';
  }
  return id15 + suffix;
};

export type WriteResult = { ok: true; record: SfRecord } | { ok: false; status: number; errors: SaveError[] };

export class OrgStore {
  readonly schema: Map<string, ObjectSpec>;
  private readonly records = new Map<string, Map<string, SfRecord>>();
  private counter = 0;
  /** When on, inserting a Lead that matches an existing Lead or Contact by email or phone is blocked. */
  duplicateRules = false;
  /**
   * Active assignment rules: object type → the User they assign records to. A rule runs on every
   * create and every update unless the request says `Sforce-Auto-Assign: FALSE`: "If the header
   * is not provided in the request, the default value is TRUE", and TRUE applies the rules "for
   * created or updated Accounts, Cases, or Leads"
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm).
   */
  readonly assignmentRules = new Map<string, string>();
  /** Owner of records created without OwnerId: the user the API session belongs to. */
  integrationUserId: string | undefined;
  private userCounter = 0;

  constructor(externalIdField: string) {
    this.schema = defaultSchema(externalIdField);
    for (const name of this.schema.keys()) this.records.set(name, new Map());
  }

  all(type: string): SfRecord[] {
    return [...(this.records.get(type)?.values() ?? [])];
  }

  get(type: string, id: string): SfRecord | undefined {
    const table = this.records.get(type);
    return table?.get(id) ?? [...(table?.values() ?? [])].find((r) => r.Id.slice(0, 15) === id.slice(0, 15));
  }

  /** The object type an id belongs to, by its key prefix. */
  typeOf(id: string): string | undefined {
    return [...this.schema.values()].find((o) => id.startsWith(o.keyPrefix))?.name;
  }

  snapshot(): () => void {
    const copy = new Map([...this.records].map(([k, table]) => [k, new Map([...table].map(([id, r]) => [id, { ...r }]))]));
    const counter = this.counter;
    return () => {
      this.records.clear();
      for (const [k, v] of copy) this.records.set(k, v);
      this.counter = counter;
    };
  }

  /** Test seeding: inserts without validation. */
  seed(type: string, fields: Record<string, unknown>): SfRecord {
    const spec = this.schema.get(type);
    if (spec === undefined) throw new Error(`no object ${type}`);
    const now = new Date().toISOString();
    const record: SfRecord = { ...fields, Id: salesforceId(spec.keyPrefix, ++this.counter), CreatedDate: now, LastModifiedDate: now };
    this.records.get(type)?.set(record.Id, record);
    return record;
  }

  /** A User (not counted with other records, so seeding users leaves record ids as they were). */
  addUser(fields: { readonly Email: string; readonly Name: string; readonly IsActive: boolean; readonly Id?: string }): SfRecord {
    const now = new Date().toISOString();
    const record: SfRecord = {
      Username: fields.Email,
      ...fields,
      Id: fields.Id ?? salesforceId('005', 900_000 + ++this.userCounter),
      CreatedDate: now,
      LastModifiedDate: now,
    };
    this.records.get('User')?.set(record.Id, record);
    return record;
  }

  /** What Lead conversion leaves behind: an Account, a Contact and a Lead marked converted. */
  convertLead(leadId: string): SfRecord {
    const lead = this.get('Lead', leadId);
    if (lead === undefined) throw new Error(`no lead ${leadId}`);
    const account = this.seed('Account', { Name: lead['Company'] });
    const contact = this.seed('Contact', {
      FirstName: lead['FirstName'],
      LastName: lead['LastName'],
      Email: lead['Email'],
      Phone: lead['Phone'],
      AccountId: account.Id,
    });
    Object.assign(lead, { IsConverted: true, ConvertedContactId: contact.Id, Status: 'Closed - Converted' });
    // Conversion moves the lead's open and closed activities to the new contact.
    for (const task of this.all('Task')) if (task['WhoId'] === lead.Id) task['WhoId'] = contact.Id;
    return contact;
  }

  validate(spec: ObjectSpec, fields: Record<string, unknown>, inserting: boolean, externalIdField?: string): SaveError[] {
    for (const [name, value] of Object.entries(fields)) {
      const field = spec.fields.get(name);
      if (field === undefined)
        return [{ errorCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${spec.name}`, fields: [] }];
      if (field.readonly === true && name !== externalIdField)
        return [
          {
            errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
            message: `Unable to create/update fields: ${name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
            fields: [name],
          },
        ];
      if (typeof value === 'string' && field.length !== undefined && value.length > field.length)
        return [
          {
            errorCode: 'STRING_TOO_LONG',
            message: `${field.label}: data value too large: ${value.slice(0, 40)}... (max length=${field.length})`,
            fields: [name],
          },
        ];
      if (field.type === 'email' && typeof value === 'string' && value !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
        return [{ errorCode: 'INVALID_EMAIL_ADDRESS', message: `${field.label}: invalid email address: ${value}`, fields: [name] }];
      if (field.type === 'reference' && typeof value === 'string' && value !== '') {
        const target = this.typeOf(value);
        if (target === undefined || !(field.referenceTo ?? []).includes(target))
          return [{ errorCode: 'MALFORMED_ID', message: `${field.label}: id value of incorrect type: ${value}`, fields: [name] }];
        if (this.get(target, value) === undefined)
          return [{ errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: `${field.label}: invalid cross reference id`, fields: [name] }];
      }
      // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm (restricted picklists)
      if (field.type === 'picklist' && field.restricted === true && typeof value === 'string' && !(field.picklist ?? []).includes(value))
        return [
          {
            errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            message: `${field.label}: bad value for restricted picklist field: ${value}`,
            fields: [name],
          },
        ];
      if (name === 'OwnerId' && typeof value === 'string' && this.get('User', value)?.['IsActive'] === false)
        return [
          {
            errorCode: 'INACTIVE_OWNER_OR_USER',
            message: `operation performed with inactive user [${value}] as owner of ${spec.name.toLowerCase()}`,
            fields: [],
          },
        ];
      if (field.type === 'date' && typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(value))
        return [
          { errorCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize instance of date from VALUE_STRING value ${value}`, fields: [] },
        ];
    }
    if (inserting) {
      const missing = [...spec.fields.values()].filter(
        (f) => f.required === true && (typeof fields[f.name] !== 'string' || String(fields[f.name]).trim() === ''),
      );
      if (missing.length > 0)
        return [
          {
            errorCode: 'REQUIRED_FIELD_MISSING',
            message: `Required fields are missing: [${missing.map((f) => f.name).join(', ')}]`,
            fields: missing.map((f) => f.name),
          },
        ];
    }
    return [];
  }

  private duplicateOf(fields: Record<string, unknown>): SfRecord | undefined {
    const email = typeof fields['Email'] === 'string' ? fields['Email'].toLowerCase() : undefined;
    const phone = typeof fields['Phone'] === 'string' ? fields['Phone'].replace(/\D/g, '') : undefined;
    const hit = (r: SfRecord) =>
      (email !== undefined && typeof r['Email'] === 'string' && r['Email'].toLowerCase() === email) ||
      (phone !== undefined && phone !== '' && typeof r['Phone'] === 'string' && r['Phone'].replace(/\D/g, '') === phone);
    return this.all('Lead').find((r) => r['IsConverted'] !== true && hit(r)) ?? this.all('Contact').find(hit);
  }

  /** `autoAssign`: the request's `Sforce-Auto-Assign` header, if it had one. */
  insert(type: string, fields: Record<string, unknown>, version: string, externalIdField?: string, autoAssign?: string): WriteResult {
    const spec = this.schema.get(type);
    if (spec === undefined)
      return { ok: false, status: 404, errors: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    const errors = this.validate(spec, fields, true, externalIdField);
    if (errors.length > 0) return { ok: false, status: 400, errors };
    for (const field of spec.fields.values()) {
      const value = fields[field.name];
      if (field.unique === true && typeof value === 'string' && this.all(type).some((r) => r[field.name] === value)) {
        const other = this.all(type).find((r) => r[field.name] === value);
        return {
          ok: false,
          status: 400,
          errors: [
            {
              errorCode: 'DUPLICATE_VALUE',
              message: `duplicate value found: ${field.name} duplicates value on record with id: ${other?.Id ?? ''}`,
              fields: [],
            },
          ],
        };
      }
    }
    const duplicate = type === 'Lead' && this.duplicateRules ? this.duplicateOf(fields) : undefined;
    if (duplicate !== undefined) {
      const entityType = this.typeOf(duplicate.Id) ?? 'Lead';
      // Salesforce really spells the key `duplicateResut` (seen in real answers to POST /sobjects/Lead; jsforce passes it on in `err.data`).
      const duplicateResut = {
        allowSave: false,
        duplicateRule: 'Standard_Lead_Duplicate_Rule',
        duplicateRuleEntityType: 'Lead',
        errorMessage: 'You are creating a duplicate record. We recommend you use an existing record instead.',
        matchResults: [
          {
            entityType,
            errors: [],
            matchEngine: 'FuzzyMatchEngine',
            matchRecords: [
              {
                additionalInformation: [],
                fieldDiffs: [],
                matchConfidence: 100.0,
                record: {
                  attributes: { type: entityType, url: `/services/data/v${version}/sobjects/${entityType}/${duplicate.Id}` },
                  Id: duplicate.Id,
                },
              },
            ],
            rule: entityType === 'Lead' ? 'Standard_Lead_Match_Rule_v1_0' : 'Standard_Contact_Match_Rule_v1_1',
            size: 1,
            success: true,
          },
        ],
      };
      return {
        ok: false,
        status: 400,
        errors: [
          {
            duplicateResut,
            errorCode: 'DUPLICATES_DETECTED',
            message: 'You are creating a duplicate record. We recommend you use an existing record instead.',
          },
        ],
      };
    }
    const defaults = Object.fromEntries(
      [...spec.fields.values()]
        .filter((f) => f.defaultValue !== undefined && fields[f.name] === undefined)
        .map((f) => [f.name, f.defaultValue]),
    );
    const assigned = this.assignment(type, autoAssign);
    const owner = type !== 'User' && this.integrationUserId !== undefined ? { OwnerId: this.integrationUserId } : {};
    return {
      ok: true,
      record: this.seed(type, { ...(type === 'Lead' ? { IsConverted: false } : {}), ...owner, ...defaults, ...fields, ...assigned }),
    };
  }

  /** What the active assignment rule sets on a write with this `Sforce-Auto-Assign` header. */
  private assignment(type: string, autoAssign: string | undefined): { OwnerId?: string } {
    const rule = this.assignmentRules.get(type);
    return rule !== undefined && autoAssign?.trim().toUpperCase() !== 'FALSE' ? { OwnerId: rule } : {};
  }

  update(type: string, id: string, fields: Record<string, unknown>, externalIdField?: string, autoAssign?: string): WriteResult {
    const spec = this.schema.get(type);
    const record = this.get(type, id);
    if (spec === undefined || record === undefined)
      return { ok: false, status: 404, errors: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    if (type === 'Lead' && record['IsConverted'] === true)
      return {
        ok: false,
        status: 400,
        errors: [{ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }],
      };
    const errors = this.validate(spec, fields, false, externalIdField);
    if (errors.length > 0) return { ok: false, status: 400, errors };
    Object.assign(record, fields, this.assignment(type, autoAssign), { LastModifiedDate: new Date().toISOString() });
    return { ok: true, record };
  }
}
