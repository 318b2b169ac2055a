/**
 * MAPPING_FILE on Salesforce: mapped fields merged over what the connector writes (blanks filled,
 * `overwrite` names always), and refusals of mapped values named by field (the owner: owner.ts). `contact.fields` are never written here: an existing Contact belongs to sales.
 */
import type { MappedFields } from '../../src/domain/mapping';
import { applyFields } from '../../src/domain/mapping';
import { permanent, type CrmFailure } from '../../src/domain/outcome';
import type { SalesforceError } from './mappers';

type Row = Readonly<Record<string, unknown>>;

/** The mapped fields for a Lead or a Case (none without MAPPING_FILE). */
export const mappedFor = (fields: MappedFields | undefined, kind: 'lead' | 'case'): Readonly<Record<string, string>> =>
  fields?.[kind] ?? {};

/** Field names to add to a SELECT that already lists `base`; SOQL refuses a field selected twice, and names are case-insensitive. */
export const extraSelect = (base: readonly string[], mapped: Readonly<Record<string, string>>): string[] => {
  const have = new Set(base.map((f) => f.toLowerCase()));
  return Object.keys(mapped).filter((f) => {
    const key = f.toLowerCase();
    if (have.has(key)) return false;
    have.add(key);
    return true;
  });
};

/** A row's value for a field named in any case; numbers and booleans as text, null as absent. */
const valueOf = (row: Row | undefined, name: string): string | undefined => {
  if (row === undefined) return undefined;
  const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : row[key];
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
};

/**
 * What to write of the mapped fields on a record read as `current` (undefined: a new record, all
 * of them). A field Salesforce holds is written only when blank, or when its name is in `overwrite`.
 */
export const mappedWrite = (
  mapped: Readonly<Record<string, string>>,
  current: Row | undefined,
  overwrite: ReadonlySet<string>,
): Record<string, string> => {
  if (current === undefined) return { ...mapped };
  const now: Record<string, string> = {};
  for (const name of Object.keys(mapped)) {
    const value = valueOf(current, name);
    if (value !== undefined) now[name] = value;
  }
  const { fields, changed } = applyFields(now, mapped, overwrite);
  return Object.fromEntries(changed.map((name) => [name, fields[name] ?? '']));
};

const REFUSALS = new Set([
  'INVALID_FIELD',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'INVALID_PICKLIST_VALUE',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'STRING_TOO_LONG',
]);

/**
 * A refusal that concerns a mapped field, as a permanent failure naming the field and where it is
 * mapped; never the value (Salesforce's own messages quote it, so they are not passed on).
 * undefined when the error is not about a mapped field.
 */
export const mappedFieldFailure = (
  e: SalesforceError,
  sobject: string,
  kind: 'lead' | 'case',
  mapped: Readonly<Record<string, string>>,
): CrmFailure | undefined => {
  const names = Object.keys(mapped);
  if (!REFUSALS.has(e.errorCode) || names.length === 0) return undefined;
  const column = /No such column '([^']+)'/.exec(e.message)?.[1];
  const named = [...(e.fields ?? []), ...(column === undefined ? [] : [column])].map((f) => f.toLowerCase());
  const hit = names.filter((n) => named.includes(n.toLowerCase()));
  const status = e.status === undefined ? {} : { status: e.status };
  const where = (list: readonly string[]) => list.map((n) => `${kind}.fields.${n}`).join(', ');
  if (hit.length === 0) {
    // A validation rule may name no field: the mapped fields are then the suspects, said as such.
    if (e.errorCode !== 'FIELD_CUSTOM_VALIDATION_EXCEPTION' || (e.fields ?? []).length > 0) return undefined;
    return permanent(
      'CRM_VALIDATION',
      `a validation rule on ${sobject} refused the record (FIELD_CUSTOM_VALIDATION_EXCEPTION); MAPPING_FILE maps ${where(names)}: check the rule against those values`,
      status,
    );
  }
  switch (e.errorCode) {
    case 'INVALID_FIELD':
      return permanent(
        'CRM_MISSING_FIELD',
        `${sobject} has no field ${hit.join(', ')} visible to the integration user (INVALID_FIELD), mapped as ${where(hit)} in MAPPING_FILE: create the field, grant access to it, or fix the name`,
        status,
      );
    case 'INVALID_FIELD_FOR_INSERT_UPDATE':
      return permanent(
        'CRM_MISSING_FIELD',
        `${sobject}.${hit.join(', ')} cannot be written by the integration user (INVALID_FIELD_FOR_INSERT_UPDATE), mapped as ${where(hit)} in MAPPING_FILE: give it Edit access in field-level security, or remove the mapping`,
        status,
      );
    case 'STRING_TOO_LONG':
      return permanent(
        'CRM_VALIDATION',
        `the value mapped as ${where(hit)} in MAPPING_FILE is longer than ${sobject}.${hit.join(', ')} holds (STRING_TOO_LONG): shorten the template or lengthen the field`,
        status,
      );
    case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
      return permanent(
        'CRM_VALIDATION',
        `a validation rule on ${sobject}.${hit.join(', ')} refused the value mapped as ${where(hit)} in MAPPING_FILE (FIELD_CUSTOM_VALIDATION_EXCEPTION)`,
        status,
      );
    default:
      return permanent(
        'CRM_VALIDATION',
        `${sobject}.${hit.join(', ')} does not accept the value mapped as ${where(hit)} in MAPPING_FILE (${e.errorCode}): add the value to the picklist or change the template`,
        status,
      );
  }
};
