/**
 * Section 8, big transcripts and idle memory: the service's RSS at rest after start-up, then
 * Olark transcripts of 5,000 and 10,000 messages posted one at a time, each a new conversation:
 * the time until the agent's answer (decoded, stored, delivered; goal ≤ 100 ms) and the peak RSS
 * while they are taken. With the local CRM, then with the HubSpot and Salesforce emulators at
 * 0 ms per call (so the time is ours, the SDK's and the emulator's), where the longest transcript
 * field the CRM stored is checked against its limit. Last, several 10,000-message transcripts at
 * once, to show what many big bodies arriving together cost in memory.
 */
import { TEXT_LIMIT } from '../connectors/hubspot/mappers';
import { DESCRIPTION_LIMIT } from '../connectors/salesforce/mappers';
import { startSalesforceEmulator } from '../test/emulators/salesforce';
import { olarkForm, transcript } from '../test/support/olark';
import { startHubspot } from './crm';
import { FORM_TYPE } from './payloads';
import { startService, type Service } from './service';
import { median, round1 } from './stats';

export const BIG_GOAL_MS = 100;
export const BIG_MESSAGES = 10_000;
const LOCAL_SIZES = [5_000, BIG_MESSAGES] as const;
/** Big bodies posted together in the memory row. */
const AT_ONCE = 8;

export type BigCrm = 'local' | 'hubspot' | 'salesforce';

export interface BigRow {
  readonly crm: BigCrm;
  readonly messages: number;
  /** The form body's size, in MB (10^6 bytes). */
  readonly bodyMB: number;
  readonly samples: number;
  /** HTTP status of the first answer that was not 200, if any (413 = over the body limit). */
  readonly refusedWith?: number;
  readonly p50Ms?: number;
  readonly maxMs?: number;
  /** HubSpot and Salesforce: the longest transcript field the CRM stored, and that field's limit. */
  readonly storedChars?: number;
  readonly fieldLimit?: number;
}

export interface BigService {
  readonly crm: BigCrm;
  /** Peak RSS of this CRM's service while it took its transcripts. */
  readonly peakRssMB: number | undefined;
}

export interface AtOnceRow {
  readonly bodies: number;
  readonly messages: number;
  readonly answered: number;
  readonly wallMs: number;
  readonly peakRssMB: number | undefined;
}

export type BigSection =
  | {
      readonly status: 'ok';
      readonly idleRssMB: number | undefined;
      readonly rows: BigRow[];
      readonly services: BigService[];
      readonly atOnce: AtOnceRow | undefined;
      readonly peakRssMB: number | undefined;
    }
  | { readonly status: 'unavailable'; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let posted = 0;
const bigBody = (messages: number): string =>
  olarkForm(transcript({ email: `big-${messages}-${process.pid}-${++posted}-${Date.now().toString(36)}@example.com`, lines: messages }));

const post = async (service: Service, body: string): Promise<{ status: number; ms: number }> => {
  const started = performance.now();
  const response = await fetch(service.webhookUrl, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
};

/** `samples` posts of `messages` messages after one warm-up (JIT for this size), one at a time. */
const timeSize = async (crm: BigCrm, service: Service, messages: number, samples: number, log: (line: string) => void): Promise<BigRow> => {
  const bodyMB = Math.round(Buffer.byteLength(bigBody(messages)) / 1e4) / 100;
  log(`  ${crm}: ${samples} Olark transcripts of ${messages} messages (${bodyMB} MB form body), one at a time`);
  const times: number[] = [];
  let refusedWith: number | undefined;
  for (let i = 0; i < samples + 1 && refusedWith === undefined; i++) {
    // The body is made before the clock starts: only the service's time is measured.
    const answer = await post(service, bigBody(messages));
    if (answer.status !== 200) refusedWith = answer.status;
    else if (i > 0) times.push(answer.ms);
  }
  return {
    crm,
    messages,
    bodyMB,
    samples: times.length,
    ...(refusedWith === undefined ? {} : { refusedWith }),
    ...(times.length === 0 ? {} : { p50Ms: round1(median(times)), maxMs: round1(Math.max(...times)) }),
  };
};

/** Eight 10,000-message transcripts posted at once, the peak RSS from their first byte (also `bench/quick-big.ts`). */
export const atOnce = async (service: Service, log: (line: string) => void): Promise<AtOnceRow> => {
  log(`  local: ${AT_ONCE} transcripts of ${BIG_MESSAGES} messages at once`);
  const bodies = Array.from({ length: AT_ONCE }, () => bigBody(BIG_MESSAGES));
  service.rss.reset();
  const started = performance.now();
  const answers = await Promise.all(bodies.map((body) => post(service, body)));
  return {
    bodies: AT_ONCE,
    messages: BIG_MESSAGES,
    answered: answers.filter((a) => a.status === 200).length,
    wallMs: Math.round(performance.now() - started),
    peakRssMB: service.rss.peakMB(),
  };
};

const longest = (values: readonly unknown[]): number =>
  values.reduce<number>((n, v) => Math.max(n, typeof v === 'string' ? v.length : 0), 0);

/** A small transcript first: the token, the account details and the SDK's own start are not what is measured. */
const warmUp = async (crm: BigCrm, service: Service): Promise<void> => {
  const answer = await post(service, bigBody(2));
  if (answer.status !== 200) throw new Error(`the ${crm} warm-up answered HTTP ${answer.status}; log: ${service.tail().slice(-300)}`);
};

const localRows = async (samples: number, log: (line: string) => void) => {
  const service = await startService('chat2crm (big transcripts, local CRM)', { CRM: 'local' });
  try {
    // At rest: started, migrated, the first request served, nothing else.
    await fetch(`${service.baseUrl}/healthz`).then((r) => r.arrayBuffer());
    await sleep(1000);
    service.rss.reset();
    const idleRssMB = service.rss.peakMB();
    const rows: BigRow[] = [];
    for (const messages of LOCAL_SIZES) rows.push(await timeSize('local', service, messages, samples, log));
    const peakRssMB = service.rss.peakMB();
    return { idleRssMB, rows, peakRssMB, atOnce: await atOnce(service, log) };
  } finally {
    await service.stop();
  }
};

const hubspotRow = async (samples: number, log: (line: string) => void): Promise<{ row: BigRow; peakRssMB: number | undefined }> => {
  const { emulator, wrapped } = await startHubspot(0, {
    rateLimit: { max: 1_000_000, windowMs: 10_000 },
    searchRateLimit: { max: 1_000_000, windowMs: 1_000 },
  });
  try {
    const service = await startService('chat2crm (big transcripts, HubSpot)', wrapped.env);
    try {
      await warmUp('hubspot', service);
      service.rss.reset();
      const row = await timeSize('hubspot', service, BIG_MESSAGES, samples, log);
      const peakRssMB = service.rss.peakMB();
      const stored = longest(emulator.state.list('notes').map((n) => n.properties['hs_note_body']));
      return { row: { ...row, storedChars: stored, fieldLimit: TEXT_LIMIT }, peakRssMB };
    } finally {
      await service.stop();
    }
  } finally {
    await emulator.close();
  }
};

const salesforceRow = async (samples: number, log: (line: string) => void): Promise<{ row: BigRow; peakRssMB: number | undefined }> => {
  const emulator = await startSalesforceEmulator({ latencyMs: 0 });
  try {
    const { clientId, clientSecret } = emulator.credentials;
    const service = await startService('chat2crm (big transcripts, Salesforce)', {
      CRM: 'salesforce',
      SALESFORCE_LOGIN_URL: emulator.url,
      SALESFORCE_CLIENT_ID: clientId,
      SALESFORCE_CLIENT_SECRET: clientSecret,
    });
    try {
      await warmUp('salesforce', service);
      service.rss.reset();
      const row = await timeSize('salesforce', service, BIG_MESSAGES, samples, log);
      const peakRssMB = service.rss.peakMB();
      const stored = longest([...emulator.state.all('Lead'), ...emulator.state.all('Task')].map((r) => r['Description']));
      return { row: { ...row, storedChars: stored, fieldLimit: DESCRIPTION_LIMIT }, peakRssMB };
    } finally {
      await service.stop();
    }
  } finally {
    await emulator.close();
  }
};

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 4).join(' | ').slice(0, 400);

export const runBigSection = async (samples: number, log: (line: string) => void): Promise<BigSection> => {
  try {
    const local = await localRows(samples, log);
    const rows = [...local.rows];
    const services: BigService[] = [{ crm: 'local', peakRssMB: local.peakRssMB }];
    for (const [crm, run] of [
      ['hubspot', hubspotRow],
      ['salesforce', salesforceRow],
    ] as const) {
      try {
        const { row, peakRssMB } = await run(samples, log);
        rows.push(row);
        services.push({ crm, peakRssMB });
      } catch (e) {
        log(`  ${crm}: not measured: ${reasonOf(e)}`);
      }
    }
    const peaks = [...services.map((s) => s.peakRssMB), local.atOnce.peakRssMB].filter((v): v is number => v !== undefined);
    return {
      status: 'ok',
      idleRssMB: local.idleRssMB,
      rows,
      services,
      atOnce: local.atOnce,
      peakRssMB: peaks.length === 0 ? undefined : Math.max(...peaks),
    };
  } catch (e) {
    return { status: 'unavailable', reason: reasonOf(e) };
  }
};
