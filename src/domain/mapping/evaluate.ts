/**
 * A conversation → the field values the connector writes, per record kind. Pure: the mapping
 * was read and checked at start; connectors receive the result (UpsertInput `fields`) and never
 * read the file.
 */
import type { Conversation } from '../conversation';
import type { Action } from '../event';
import { attributeValues } from './attributes';
import { RECORD_KINDS, type CompanyRule, type Mapping, type OwnerRule, type RecordKind } from './file';
import { renderTemplate } from './template';

export interface MappedFields {
  /** Field name → value, per record kind; a template that came out empty is left out. */
  readonly lead: Readonly<Record<string, string>>;
  readonly case: Readonly<Record<string, string>>;
  readonly contact: Readonly<Record<string, string>>;
  /** Names written on every delivery; the others only fill blanks. */
  readonly overwrite: ReadonlySet<string>;
  readonly owner: OwnerRule;
  /** The operator's email, for `owner: "agent"`. */
  readonly operatorEmail?: string;
  readonly company: CompanyRule;
}

const record = (entries: readonly (readonly [string, string])[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
};

export const mapConversation = (mapping: Mapping, conversation: Conversation, action: Action): MappedFields => {
  const lookup = attributeValues(conversation, action);
  const valuesOf = (kind: RecordKind) =>
    record(
      mapping.fields[kind].flatMap((f) => {
        const value = renderTemplate(f.template, lookup).trim();
        return value === '' ? [] : [[f.name, value] as const];
      }),
    );
  const [lead, kase, contact] = RECORD_KINDS.map(valuesOf);
  const operatorEmail = lookup('operator.email');
  return {
    lead: lead ?? {},
    case: kase ?? {},
    contact: contact ?? {},
    overwrite: mapping.overwrite,
    owner: mapping.owner,
    ...(operatorEmail === undefined ? {} : { operatorEmail }),
    company: mapping.company,
  };
};

/**
 * What a record already holds, with `fresh` applied: a blank (absent or empty) field is
 * filled, a filled one is kept unless its name is in `overwrite`. Returns the merged fields and
 * the names that changed.
 */
export const applyFields = (
  current: Readonly<Record<string, string>>,
  fresh: Readonly<Record<string, string>>,
  overwrite: ReadonlySet<string>,
): { readonly fields: Record<string, string>; readonly changed: readonly string[] } => {
  const fields = record(Object.entries(current));
  const changed: string[] = [];
  for (const [name, value] of Object.entries(fresh)) {
    const now = Object.hasOwn(fields, name) ? fields[name] : undefined;
    const blank = now === undefined || now.trim() === '';
    if ((blank || overwrite.has(name)) && now !== value) {
      Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
      changed.push(name);
    }
  }
  return { fields, changed };
};
