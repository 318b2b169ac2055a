/**
 * `npx tsx bench/quick-big.ts [rounds]`: only the big-transcript memory case, the service with the
 * local CRM given eight 10,000-message Olark transcripts at once, `rounds` times, with its peak
 * RSS after each; for a quick look while working on memory. `npm run bench` gives the published figures.
 */
import { olarkForm, transcript } from '../test/support/olark';
import { FORM_TYPE } from './payloads';
import { runScript, startService } from './service';

const AT_ONCE = 8;
let posted = 0;
const body = (): string => olarkForm(transcript({ email: `quick-big-${process.pid}-${++posted}@example.com`, lines: 10_000 }));

const main = async () => {
  const rounds = Number(process.argv[2] ?? '3');
  const service = await startService('chat2crm (quick big)', { CRM: 'local' });
  try {
    await fetch(`${service.baseUrl}/healthz`).then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = service.rss.peakMB();
    const peaks: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const bodies = Array.from({ length: AT_ONCE }, body);
      const started = performance.now();
      const statuses = await Promise.all(
        bodies.map((b) => fetch(service.webhookUrl, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body: b }).then(async (r) => (await r.arrayBuffer(), r.status))),
      );
      const ok = statuses.filter((s) => s === 200).length;
      peaks.push(`${service.rss.peakMB() ?? '?'} MB (${ok}/${AT_ONCE} answered in ${Math.round(performance.now() - started)} ms)`);
    }
    process.stdout.write(`idle ${idle ?? '?'} MB; peak after each round: ${peaks.join(', ')}\n`);
  } finally {
    await service.stop();
  }
};

runScript('quick big', main);
