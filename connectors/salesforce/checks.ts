/**
 * What `npm run setup` and the status page report about the org: the login, the API version
 * configured beside the newest the org serves, the external-id field on Lead and Case, and the
 * picklist values we send. Each failing line names what to change.
 */
import * as t from 'io-ts';
import type { CheckItem, CheckReport } from '../../src/domain/connector';
import type { Mapping, Template } from '../../src/domain/mapping';
import type { ApiVersionInfo, SalesforceClient } from './client';
import { GRANT_NAMES, PASSWORD_GRANT_END, type SalesforceConfig } from './config';

const Describe = t.type({
  fields: t.array(
    t.intersection([
      t.type({ name: t.string, type: t.string }),
      t.partial({
        externalId: t.boolean,
        unique: t.boolean,
        caseSensitive: t.boolean,
        createable: t.boolean,
        updateable: t.boolean,
        restrictedPicklist: t.boolean,
        picklistValues: t.array(t.type({ value: t.string, active: t.boolean })),
      }),
    ]),
  ),
});

/** "68.0" → 68; versions are whole numbers followed by ".0" (resources_versions.htm). */
const major = (version: string): number => Number.parseFloat(version);

/** The configured version beside the org's newest: an org older than ours answers NOT_FOUND to every call. */
export const versionItem = (configured: string, served: readonly ApiVersionInfo[]): CheckItem => {
  const newest = served.reduce<ApiVersionInfo | undefined>(
    (best, v) => (best === undefined || major(v.version) > major(best.version) ? v : best),
    undefined,
  );
  const name = 'API version';
  if (newest === undefined)
    return { name, ok: false, detail: `SALESFORCE_API_VERSION=${configured}, but the org lists no API versions at GET /services/data/` };
  const newestText = `${newest.version} (${newest.label})`;
  if (!served.some((v) => major(v.version) === major(configured)))
    return {
      name,
      ok: false,
      detail: `SALESFORCE_API_VERSION=${configured} is not served by this org, whose newest is ${newestText}: set SALESFORCE_API_VERSION=${newest.version}`,
    };
  if (major(configured) === major(newest.version)) return { name, ok: true, detail: `${configured} configured, the org's newest` };
  return { name, ok: true, detail: `${configured} configured; the org's newest is ${newestText}` };
};

type DescribedField = t.TypeOf<typeof Describe>['fields'][number];

/** A fixed text (no placeholder) mapped on a restricted picklist must be one of its active values; a template's values are only known at delivery. */
const literalPicklistItem = (item: string, type: string, field: DescribedField, template: Template): CheckItem | undefined => {
  if (field.type !== 'picklist' || field.restrictedPicklist !== true || template.parts.some((p) => p.kind === 'slot')) return undefined;
  const value = template.parts
    .map((p) => (p.kind === 'text' ? p.text : ''))
    .join('')
    .trim();
  if (field.picklistValues?.some((p) => p.active && p.value === value) ?? true) return undefined;
  return {
    name: item,
    ok: false,
    detail: `"${value}" is not an active value of the restricted picklist ${type}.${field.name}: add it in Setup → Object Manager → ${type}, or change MAPPING_FILE`,
  };
};

/**
 * Each field MAPPING_FILE maps on Lead or Case: it must exist for the integration user, be
 * createable (new records) and updateable (blanks filled on repeats, `overwrite`). Salesforce field
 * names are case-insensitive. `contact.fields` are never written on Salesforce, said once.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 */
export const mappedFieldItems = (mapping: Mapping, fieldsOf: (type: string) => readonly DescribedField[] | undefined): CheckItem[] => {
  const items: CheckItem[] = [];
  for (const [kind, type] of [
    ['lead', 'Lead'],
    ['case', 'Case'],
  ] as const) {
    const described = fieldsOf(type);
    for (const { name, template } of mapping.fields[kind]) {
      const item = `${type}.${name} (${kind}.fields)`;
      const field = described?.find((f) => f.name.toLowerCase() === name.toLowerCase());
      const cannot = [field?.createable === false ? 'create' : undefined, field?.updateable === false ? 'edit' : undefined].filter(
        (x) => x !== undefined,
      );
      if (described === undefined) items.push({ name: item, ok: false, detail: `cannot describe ${type} to check the mapped field` });
      else if (field === undefined)
        items.push({
          name: item,
          ok: false,
          detail: `no such field on ${type} for the integration user: create it, grant field-level access, or fix the name in MAPPING_FILE`,
        });
      else if (cannot.length > 0)
        items.push({
          name: item,
          ok: false,
          detail: `the integration user cannot ${cannot.join(' or ')} it: give it Edit access in field-level security, or remove it from MAPPING_FILE`,
        });
      else
        items.push(
          literalPicklistItem(item, type, field, template) ?? { name: item, ok: true, detail: `${field.type}, createable and updateable` },
        );
    }
  }
  if (mapping.fields.contact.length > 0)
    items.push({
      name: 'contact.fields',
      ok: true,
      detail: `not written on Salesforce: an existing Contact is never changed (${mapping.fields.contact.map((f) => f.name).join(', ')})`,
    });
  return items;
};

export const checkOrg = async (config: SalesforceConfig, client: SalesforceClient, mapping?: Mapping): Promise<CheckReport> => {
  const items: CheckItem[] = [];
  const ext = config.externalIdField;
  const session = await client.session();
  const grant = `${GRANT_NAMES[config.grant.kind]} grant${config.grant.kind === 'password' ? ` (Salesforce retires it on ${PASSWORD_GRANT_END}: move to client credentials)` : ''}`;
  items.push(
    session.ok
      ? { name: 'login', ok: true, detail: `${grant} at ${config.loginUrl} works; instance ${session.value.instanceUrl}` }
      : { name: 'login', ok: false, detail: session.failure.message },
  );
  if (!session.ok) return { ok: false, items };

  const versions = await client.versions();
  items.push(
    versions.ok
      ? versionItem(config.apiVersion, versions.value)
      : {
          name: 'API version',
          ok: false,
          detail: `${config.apiVersion} configured; the org's versions could not be read: ${versions.failure.message}`,
        },
  );

  const described = await client.composite(
    ['Lead', 'Case', 'Task'].map((type) => ({ method: 'GET' as const, url: `/sobjects/${type}/describe`, referenceId: type })),
    false,
    'Lead',
  );
  if (!described.ok) return { ok: false, items: [...items, { name: 'describe', ok: false, detail: described.failure.message }] };
  const fieldsOf = (type: string) => {
    const decoded = Describe.decode(described.value.find((r) => r.referenceId === type && r.status === 200)?.body);
    return decoded._tag === 'Right' ? decoded.right.fields : undefined;
  };
  for (const type of ['Lead', 'Case']) {
    const field = fieldsOf(type)?.find((f) => f.name === ext);
    const name = `${type}.${ext}`;
    if (fieldsOf(type) === undefined)
      items.push({ name, ok: false, detail: `cannot describe ${type}: give the integration user Read/Create/Edit on ${type}` });
    else if (field === undefined)
      items.push({
        name,
        ok: false,
        detail: `missing: create ${type}.${ext} as Text(255) with "External ID" and "Unique (case sensitive)" checked, visible and editable for the integration user`,
      });
    else if (field.externalId !== true)
      items.push({
        name,
        ok: false,
        detail: `exists but is not marked "External ID": edit the field in Setup → Object Manager → ${type} and check "External ID" (and "Unique")`,
      });
    else
      items.push({
        name,
        ok: true,
        detail: `External ID${field.unique === true ? ', Unique' : ' (not Unique: concurrent deliveries may race; check "Unique")'}${field.caseSensitive === true ? ', case sensitive' : ''}`,
      });
  }
  const picklists: [string, string, string, string][] = [
    ['Lead', 'LeadSource', config.leadSource, 'SALESFORCE_LEAD_SOURCE'],
    ['Case', 'Origin', config.caseOrigin, 'SALESFORCE_CASE_ORIGIN'],
    ['Task', 'Status', 'Completed', 'the Task Status picklist'],
    ['Task', 'Priority', 'Normal', 'the Task Priority picklist'],
  ];
  for (const [type, fieldName, value, key] of picklists) {
    const field = fieldsOf(type)?.find((f) => f.name === fieldName);
    const ok = field?.picklistValues?.some((p) => p.active && p.value === value) ?? false;
    items.push({
      name: `${type}.${fieldName} = ${value}`,
      ok,
      detail: ok ? 'active picklist value' : `not an active value of ${type}.${fieldName}: add it in Setup or change ${key}`,
    });
  }
  if (mapping !== undefined) items.push(...mappedFieldItems(mapping, fieldsOf));
  return { ok: items.every((i) => i.ok), items };
};
