/**
 * npm run privacy -- export <email>   prints everything stored about that person, as JSON
 * npm run privacy -- erase <email>    deletes it, and says what is left in the CRM
 *
 * A person's request to see or erase their data (GDPR articles 15 and 17). Reads the same
 * configuration as the service (the environment, then `.env`).
 */
import { personEmail } from '../src/domain/local-records';
import type { PersonErasure } from '../src/storage/privacy/port';
import { openStore } from '../src/storage/open';
import { describeDatabase, loadServiceConfig } from './service-config';

const USAGE = `usage: npm run privacy -- export <email>   prints everything stored about that person, as JSON
       npm run privacy -- erase <email>    deletes it from this service's database
`;

/** An address to look for: one `@`, no spaces; matching ignores case and surrounding spaces. */
const emailArgument = (value: string | undefined): string | undefined => {
  const email = personEmail(value);
  return email !== undefined && email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : undefined;
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const CRM_HELP = `
chat2crm deleted only its own copy and its references. The CRM keeps its records: erase the person there too.
  HubSpot: open the contact, Actions > Delete, and tick "Permanently delete" (a GDPR delete: turn on
    Settings > Privacy & Consent > data privacy first), or POST /crm/objects/2026-09/contacts/gdpr-delete with
    {"objectId": "<email>", "idProperty": "email"} (https://knowledge.hubspot.com/privacy-and-consent/how-do-i-perform-a-gdpr-delete-in-hubspot).
    Delete the tickets made from their chats as well: they hold the transcripts.
  Salesforce: delete the Lead or Contact and the Cases and Tasks made from their chats (the transcripts are in
    Description and in the Task), then delete them from the Recycle Bin, which otherwise keeps them 15 days
    (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_emptyrecyclebin.htm).
`;

const erasureReport = (where: string, erased: PersonErasure): string => {
  const c = erased.counts;
  const lines = [
    `Erased ${erased.email} from the ${where}:`,
    `  ${plural(c.conversations, 'conversation')}, ${plural(c.events, 'webhook event')}, ${plural(c.jobs, 'step')}, ${plural(c.attempts, 'attempt')}, ${plural(c.records, 'CRM record reference')}`,
    `  local CRM: ${plural(c.localRecords, 'record')}, ${plural(c.localConversations, 'transcript')}, ${plural(c.localPeople, 'person', 'people')}`,
  ];
  if (erased.crmRecords.length > 0) {
    lines.push('', 'Records of this person in the CRM (links kept nowhere else now):');
    for (const r of erased.crmRecords) lines.push(`  ${r.crm ?? 'person found by lookup'}  ${r.type} ${r.id}  ${r.url}`);
  } else lines.push('', 'No HubSpot or Salesforce record of this person was referenced here (there may still be some in the CRM).');
  return `${lines.join('\n')}\n${CRM_HELP}`;
};

const main = async (): Promise<number> => {
  const [command, address, ...rest] = process.argv.slice(2);
  const email = emailArgument(address);
  if ((command !== 'export' && command !== 'erase') || email === undefined || rest.length > 0) {
    if (command !== undefined && (command === 'export' || command === 'erase') && email === undefined)
      process.stderr.write('privacy: give one email address, like jo@example.com\n');
    process.stderr.write(USAGE);
    return 2;
  }
  const loaded = loadServiceConfig('privacy');
  if (!loaded.ok) return loaded.exitCode;
  const { database } = loaded.config;
  const store = await openStore(database);
  try {
    if (command === 'export') {
      const exported = await store.exportPerson(email);
      process.stdout.write(`${JSON.stringify(exported, null, 2)}\n`);
      process.stderr.write(
        `privacy: ${plural(exported.conversations.length, 'conversation')} and ${plural(exported.localCrm.records.length, 'local CRM record')} stored for that address\n`,
      );
      return 0;
    }
    const erased = await store.erasePerson(email);
    if (erased.inFlight > 0) {
      process.stderr.write(
        `privacy: ${plural(erased.inFlight, 'step')} of this person ${erased.inFlight === 1 ? 'is' : 'are'} running right now, so nothing was erased. Run it again in a minute.\n`,
      );
      return 1;
    }
    process.stdout.write(erasureReport(describeDatabase(database), erased));
    return 0;
  } finally {
    await store.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`privacy failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
