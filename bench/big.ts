/**
 * Section 8, big transcripts and idle memory: the service's RSS at rest after start-up, then
 * Olark transcripts of 10,000 messages (and of the largest size under the body limit) posted one
 * at a time, each a new conversation, with the local CRM: the time until the agent's answer
 * (decoded, stored, delivered; goal ≤ 100 ms) and the peak RSS while they are taken.
 */
import { olarkForm, transcript } from '../test/support/olark';
import { FORM_TYPE } from './payloads';
import { startService } from './service';
import { median, round1 } from './stats';

export const BIG_GOAL_MS = 100;
const SIZES = [10_000, 5_000] as const;

export interface BigRow {
  readonly messages: number;
  /** The form body's size, in MB (10^6 bytes). */
  readonly bodyMB: number;
  readonly samples: number;
  /** HTTP status of the first answer that was not 200, if any (413 = over the body limit). */
  readonly refusedWith?: number;
  readonly p50Ms?: number;
  readonly maxMs?: number;
}

export type BigSection =
  | { readonly status: 'ok'; readonly idleRssMB: number | undefined; readonly rows: BigRow[]; readonly peakRssMB: number | undefined }
  | { readonly status: 'unavailable'; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const runBigSection = async (samples: number, log: (line: string) => void): Promise<BigSection> => {
  try {
    const service = await startService('chat2crm (big transcripts)', { CRM: 'local' });
    try {
      // At rest: started, migrated, the first request served, nothing else.
      await fetch(`${service.baseUrl}/healthz`).then((r) => r.arrayBuffer());
      await sleep(1000);
      service.rss.reset();
      const idleRssMB = service.rss.peakMB();
      const rows: BigRow[] = [];
      for (const messages of SIZES) {
        const body = () => olarkForm(transcript({ email: `big-${messages}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}@example.com`, lines: messages }));
        const bodyMB = Math.round(Buffer.byteLength(body()) / 1e4) / 100;
        log(`  ${samples} Olark transcripts of ${messages} messages (${bodyMB} MB form body), one at a time`);
        const times: number[] = [];
        let refusedWith: number | undefined;
        for (let i = 0; i < samples + 1 && refusedWith === undefined; i++) {
          const payload = body();
          const started = performance.now();
          const response = await fetch(service.webhookUrl, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body: payload });
          await response.arrayBuffer();
          const ms = performance.now() - started;
          if (response.status !== 200) refusedWith = response.status;
          // The first is a warm-up (JIT for this size).
          else if (i > 0) times.push(ms);
        }
        rows.push({
          messages,
          bodyMB,
          samples: times.length,
          ...(refusedWith === undefined ? {} : { refusedWith }),
          ...(times.length === 0 ? {} : { p50Ms: round1(median(times)), maxMs: round1(Math.max(...times)) }),
        });
      }
      return { status: 'ok', idleRssMB, rows, peakRssMB: service.rss.peakMB() };
    } finally {
      await service.stop();
    }
  } catch (e) {
    return { status: 'unavailable', reason: (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 4).join(' | ').slice(0, 400) };
  }
};
