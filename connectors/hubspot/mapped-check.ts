/**
 * MAPPING_FILE against the portal: `npm run setup` names every mapped property HubSpot lacks or
 * will not let the API write (https://developers.hubspot.com/docs/api/crm/properties:
 * `modificationMetadata.readOnlyValue`), and checks the owners and companies access a mapping's
 * `owner` and `company` need; a delivery HubSpot refused over a mapped property says so.
 */
import type { CheckItem } from '../../src/domain/connector';
import { RECORD_KINDS, type MappedFields, type Mapping, type RecordKind } from '../../src/domain/mapping';
import type { CrmFailure } from '../../src/domain/outcome';
import type { CrmObjectType, HubspotClient } from './client';

/** Where each kind of mapped field is written in HubSpot. */
const OBJECT_OF: Readonly<Record<RecordKind, CrmObjectType>> = { lead: 'contacts', case: 'tickets', contact: 'contacts' };

type Probe = (name: string, run: () => Promise<{ ok: boolean; detail: string }>) => Promise<CheckItem>;

export const checkMapping = async (client: HubspotClient, mapping: Mapping, probe: Probe): Promise<CheckItem[]> => {
  const wanted = new Map<string, { readonly type: CrmObjectType; readonly name: string; readonly paths: string[] }>();
  for (const kind of RECORD_KINDS)
    for (const field of mapping.fields[kind]) {
      const type = OBJECT_OF[kind];
      const key = `${type}\n${field.name}`;
      const entry = wanted.get(key) ?? { type, name: field.name, paths: [] };
      entry.paths.push(`${kind}.fields.${field.name}`);
      wanted.set(key, entry);
    }
  if (mapping.owner.kind !== 'none')
    wanted.set('contacts\nhubspot_owner_id', { type: 'contacts', name: 'hubspot_owner_id', paths: ['owner'] });
  const properties = [...wanted.values()].map(({ type, name, paths }) =>
    probe(`mapped ${type} property ${name}`, async () => {
      const p = await client.property(type, name);
      const where = `MAPPING_FILE ${paths.join(', ')}`;
      if (p === undefined)
        return {
          ok: false,
          detail: `HubSpot has no ${type} property "${name}" (${where}): create it in Settings → Properties, or correct the internal name in the mapping`,
        };
      if (p.readOnlyValue)
        return { ok: false, detail: `"${name}" is read-only in HubSpot (its value is calculated) (${where}): map another property` };
      return { ok: true, detail: 'present and writable' };
    }),
  );
  const owner = mapping.owner;
  const owners =
    owner.kind === 'none'
      ? []
      : [
          probe('owners access (crm.objects.owners.read)', async () => {
            if (owner.kind === 'user' && owner.user.includes('@')) {
              const id = await client.ownerByEmail(owner.user);
              return id === undefined
                ? {
                    ok: false,
                    detail: `no HubSpot user has the email of MAPPING_FILE owner: records would get no owner; correct "owner" or give that person a HubSpot seat`,
                  }
                : { ok: true, detail: `owner ${id} on every new record` };
            }
            await client.ownerByEmail('chat2crm-check@example.invalid');
            return {
              ok: true,
              detail:
                owner.kind === 'agent'
                  ? "owners can be read: a new record's owner is the agent's HubSpot user, if any"
                  : `owner ${owner.user} on every new record`,
            };
          }),
        ];
  const companies =
    mapping.company === 'off'
      ? []
      : [
          probe(
            `companies access (crm.objects.companies.read${mapping.company === 'create' ? ', crm.objects.companies.write' : ''})`,
            async () => {
              await client.companiesByDomain('chat2crm-check.example.invalid');
              return {
                ok: true,
                detail: `companies can be searched by domain${mapping.company === 'create' ? '; one is created when none matches' : ''}`,
              };
            },
          ),
        ];
  return Promise.all([...properties, ...owners, ...companies]);
};

/**
 * A refusal naming a mapped property (`"name" (CODE…)` in the classified message) says where
 * the mapping sets it: the fix is in HubSpot or in MAPPING_FILE, then a replay.
 */
export const mappedFieldsHint = (failure: CrmFailure, fields: MappedFields): CrmFailure => {
  if (failure.kind !== 'permanent') return failure;
  const named = RECORD_KINDS.flatMap((kind) =>
    Object.keys(fields[kind])
      .filter((name) => failure.message.includes(`"${name}" (`))
      .map((name) => `${kind}.fields.${name}`),
  );
  // An owner id HubSpot does not know (INVALID_OWNER_ID) came from the mapping's `owner`.
  if (fields.owner.kind !== 'none' && failure.message.includes('"hubspot_owner_id" (')) named.push('owner');
  if (named.length === 0) return failure;
  return {
    ...failure,
    message: `${failure.message} Mapped by MAPPING_FILE ${[...new Set(named)].join(', ')}: correct the property in HubSpot or the mapping, then replay.`,
  };
};
