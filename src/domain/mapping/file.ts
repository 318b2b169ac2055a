/**
 * The mapping file (`MAPPING_FILE`): its shape, decoded from the parsed JSON with every problem
 * listed at once (unknown keys, unknown attributes, bad templates, bad `owner`/`company`,
 * `overwrite` names that map nothing). schemas/mapping.schema.json describes the same shape for
 * editors; test/domain/mapping/schema.test.ts holds the two together.
 */
import * as t from 'io-ts';
import type { Action } from '../event';
import { attributeProblem } from './attributes';
import { attributesOf, parseTemplate, type Template } from './template';

/** The kinds of record a mapping writes: lead and case records, and the person a case is linked to. */
export const RECORD_KINDS = ['lead', 'case', 'contact'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * `agent`: the CRM user whose email is `operator.email`; `none`: never set; `{user}`: that CRM
 * user id or email on every creation.
 */
export type OwnerRule = { readonly kind: 'agent' } | { readonly kind: 'none' } | { readonly kind: 'user'; readonly user: string };
export type CompanyRule = 'off' | 'match' | 'create';

export interface FieldTemplate {
  readonly name: string;
  /** As written in the file, for messages and the console. */
  readonly source: string;
  readonly template: Template;
}

export interface Mapping {
  readonly fields: Readonly<Record<RecordKind, readonly FieldTemplate[]>>;
  readonly owner: OwnerRule;
  readonly company: CompanyRule;
  /** Field names written on every delivery; every other mapped field only fills a blank. */
  readonly overwrite: ReadonlySet<string>;
}

/** What start-up has when `MAPPING_FILE` is unset: nothing mapped, today's behaviour. */
export const NO_MAPPING: Mapping = {
  fields: { lead: [], case: [], contact: [] },
  owner: { kind: 'none' },
  company: 'off',
  overwrite: new Set(),
};

const TOP_KEYS: ReadonlySet<string> = new Set(['$schema', ...RECORD_KINDS, 'owner', 'company', 'overwrite']);
const COMPANY: ReadonlySet<string> = new Set(['off', 'match', 'create']);
/** A CRM user id (HubSpot owner ids are numbers, Salesforce ids 15/18 characters) or an email. */
const USER = /^(?:[A-Za-z0-9_-]{1,64}|[^\s@]{1,64}@[^\s@]{1,255})$/;

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u);

const own = (o: Readonly<Record<string, unknown>>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

const fieldsOf = (kind: RecordKind, u: unknown, errors: string[]): FieldTemplate[] => {
  if (u === undefined) return [];
  if (!isObject(u)) {
    errors.push(`${kind}: expected an object such as {"fields": {…}}`);
    return [];
  }
  for (const key of Object.keys(u)) if (key !== 'fields') errors.push(`${kind}.${key}: unknown key (expected "fields")`);
  const fields = own(u, 'fields');
  if (fields === undefined) return [];
  if (!isObject(fields)) {
    errors.push(`${kind}.fields: expected an object of field name → template`);
    return [];
  }
  return Object.entries(fields).flatMap(([name, value]): FieldTemplate[] => {
    const path = `${kind}.fields.${name}`;
    if (name.trim() === '') {
      errors.push(`${kind}.fields: a field name is empty`);
      return [];
    }
    if (typeof value !== 'string') {
      errors.push(`${path}: expected a template string`);
      return [];
    }
    const parsed = parseTemplate(value);
    if (!parsed.ok) {
      errors.push(...parsed.errors.map((e) => `${path}: ${e}`));
      return [];
    }
    const unknown = attributesOf(parsed.template).flatMap((a) => attributeProblem(a) ?? []);
    errors.push(...unknown.map((e) => `${path}: ${e}`));
    return unknown.length > 0 ? [] : [{ name, source: value, template: parsed.template }];
  });
};

const ownerOf = (u: unknown, errors: string[]): OwnerRule => {
  if (u === undefined || u === 'none') return { kind: 'none' };
  if (u === 'agent') return { kind: 'agent' };
  if (typeof u === 'string' && USER.test(u.trim())) return { kind: 'user', user: u.trim() };
  errors.push('owner: must be "agent", "none", a CRM user id or a CRM user\'s email');
  return { kind: 'none' };
};

const companyOf = (u: unknown, errors: string[]): CompanyRule => {
  if (u === undefined) return 'off';
  if (typeof u === 'string' && COMPANY.has(u)) return u === 'match' || u === 'create' ? u : 'off';
  errors.push('company: must be "off", "match" or "create"');
  return 'off';
};

const overwriteOf = (u: unknown, mapped: ReadonlySet<string>, errors: string[]): Set<string> => {
  if (u === undefined) return new Set();
  if (!Array.isArray(u)) {
    errors.push('overwrite: expected a list of field names');
    return new Set();
  }
  const names = new Set<string>();
  u.forEach((name: unknown, i) => {
    if (typeof name !== 'string') errors.push(`overwrite.${i}: expected a field name`);
    else if (!mapped.has(name)) errors.push(`overwrite.${i}: "${name}" is not mapped in lead, case or contact fields`);
    else names.add(name);
  });
  return names;
};

/** The parsed JSON of a mapping file → the mapping, or every problem, each with its path. */
export const decodeMapping = (
  u: unknown,
): { readonly ok: true; readonly mapping: Mapping } | { readonly ok: false; readonly errors: readonly string[] } => {
  if (!isObject(u))
    return { ok: false, errors: ['(root): expected an object with "lead", "case", "contact", "owner", "company" or "overwrite"'] };
  const errors: string[] = [];
  for (const key of Object.keys(u))
    if (!TOP_KEYS.has(key)) errors.push(`${key}: unknown key (expected lead, case, contact, owner, company or overwrite)`);
  if (own(u, '$schema') !== undefined && typeof own(u, '$schema') !== 'string') errors.push('$schema: expected a string');
  const fields = {
    lead: fieldsOf('lead', own(u, 'lead'), errors),
    case: fieldsOf('case', own(u, 'case'), errors),
    contact: fieldsOf('contact', own(u, 'contact'), errors),
  };
  const mapped = new Set(RECORD_KINDS.flatMap((kind) => fields[kind].map((f) => f.name)));
  // A field whose template was refused is still "mapped" for overwrite's check: one error, not two.
  for (const kind of RECORD_KINDS) {
    const given = own(u, kind);
    const raw = isObject(given) ? own(given, 'fields') : undefined;
    if (isObject(raw)) for (const name of Object.keys(raw)) mapped.add(name);
  }
  const mapping: Mapping = {
    fields,
    owner: ownerOf(own(u, 'owner'), errors),
    company: companyOf(own(u, 'company'), errors),
    overwrite: overwriteOf(own(u, 'overwrite'), mapped, errors),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, mapping };
};

/** `decodeMapping` as an io-ts codec: one failure per problem, its message carrying the path. */
export const MappingCodec = new t.Type<Mapping, unknown, unknown>(
  'Mapping',
  (u): u is Mapping => isObject(u) && isObject(own(u, 'fields')) && own(u, 'overwrite') instanceof Set,
  (u, c) => {
    const decoded = decodeMapping(u);
    return decoded.ok ? t.success(decoded.mapping) : t.failures(decoded.errors.map((message) => ({ value: u, context: c, message })));
  },
  t.identity,
);

/** The record kinds an action writes: a lead its lead record; a case the case and the person it is linked to. */
export const kindsFor = (action: Action): readonly RecordKind[] => (action === 'lead' ? ['lead'] : ['case', 'contact']);
