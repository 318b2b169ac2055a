/**
 * `npx tsx bench/quick-big.ts [rounds]`: only the big-transcript memory case of section 8 (eight
 * 10,000-message Olark transcripts at once, local CRM), `rounds` times on one service, with the
 * peak RSS of each round; for a quick look while working on memory. `npm run bench` gives the
 * published figures.
 */
import { atOnce } from './big';
import { runScript, startService } from './service';

const main = async () => {
  const rounds = Number(process.argv[2] ?? '3');
  const service = await startService('chat2crm (quick big)', { CRM: 'local' });
  try {
    await fetch(`${service.baseUrl}/healthz`).then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = service.rss.peakMB();
    const peaks: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const row = await atOnce(service, () => undefined);
      peaks.push(`${row.peakRssMB ?? '?'} MB (${row.answered}/${row.bodies} answered in ${row.wallMs} ms)`);
    }
    process.stdout.write(`idle ${idle ?? '?'} MB; peak of each round: ${peaks.join(', ')}\n`);
  } finally {
    await service.stop();
  }
};

runScript('quick big', main);
