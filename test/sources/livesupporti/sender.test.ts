/**
 * The emulator's sender against our source over a real socket: a tiny server that runs the
 * source's own verify / decode / echo route, so the sender helper is shown to build what the
 * source takes, and to retry as the ASP.NET sender does.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLog } from '../../../src/domain/log';
import type { ChatSource, SourceServices } from '../../../src/domain/source';
import { createLiveSupportiSource } from '../../../src/sources/livesupporti';
import { chatStarted, createLiveSupportiSender } from '../../emulators/livesupporti';
import { sourceRequest } from '../../support/requests';
import { SECRET } from './request';

interface Seen {
  readonly method: string;
  readonly query: string;
  readonly attempt: unknown;
  readonly id: unknown;
  readonly verified: boolean;
}

const noServices: SourceServices = {
  findPerson: () => Promise.reject(new Error('unused')),
  recordLink: () => Promise.reject(new Error('unused')),
  recordLinkForVisitor: () => Promise.reject(new Error('unused')),
  receive: () => Promise.reject(new Error('unused')),
  stableLink: () => 'unused',
};

describe('LiveSupporti sender helper (against the source over HTTP)', () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  let statuses: number[] = [];
  const source: ChatSource = createLiveSupportiSource(
    { webhookSecret: SECRET, apiUrl: 'http://127.0.0.1:1', createLeads: true },
    { log: silentLog, publicUrl: 'http://127.0.0.1', callTimeoutMs: 1000, syncDeadlineMs: 1000 },
  );

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [, query = ''] = (req.url ?? '').split('?');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const request = sourceRequest({ method: req.method ?? 'GET', body: Buffer.concat(chunks), query, headers });
        void (async () => {
          if (req.method === 'GET') {
            seen.push({ method: 'GET', query, attempt: undefined, id: undefined, verified: true });
            const answer = await (source.routes ?? []).find((r) => r.method === 'GET')?.handle(request, noServices);
            if (answer === undefined || 'code' in answer) res.writeHead(400).end();
            else
              res
                .writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain', ...answer.headers })
                .end(String(answer.body));
            return;
          }
          const verified = source.verify(request) === undefined;
          const decoded = source.decode(request);
          const first = decoded._tag === 'Right' ? decoded.right[0] : undefined;
          const parsed: unknown = JSON.parse(request.rawBody.toString('utf8'));
          const envelope = typeof parsed === 'object' && parsed !== null ? parsed : {};
          seen.push({
            method: 'POST',
            query,
            attempt: 'Attempt' in envelope ? envelope.Attempt : undefined,
            id: first?.kind === 'conversation' ? first.dedupKey : undefined,
            verified,
          });
          res.writeHead(statuses.shift() ?? 200).end();
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/livesupporti/token`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    statuses = [];
  });

  it('passes the echo check, with the query of the registered URL replaced', async () => {
    const sender = createLiveSupportiSender({ callbackUrl: `${url}?tenant=acme`, secret: SECRET });
    const result = await sender.verifyEcho('https://livesupporti.com');
    assert.equal(result.ok, true);
    assert.equal(result.contentType, 'text/plain; charset=utf-8');
    assert.equal(result.allowOrigin, 'https://livesupporti.com');
    assert.match(seen[0]?.query ?? '', /^echo=[0-9a-f]{32}$/);
  });

  it('skips the echo check when the URL has noecho', async () => {
    const result = await createLiveSupportiSender({ callbackUrl: `${url}?noecho`, secret: SECRET }).verifyEcho();
    assert.deepEqual([result.ok, result.skipped, seen.length], [true, true, 0]);
  });

  it('retries a failed POST with the same Id and a growing Attempt, each re-signed and verified', async () => {
    statuses = [503, 500, 200];
    const sender = createLiveSupportiSender({ callbackUrl: url, secret: SECRET, retryDelaysMs: [10, 10] });
    const delivery = await sender.send([chatStarted({ id: 'v1', email: 'ada@example.com' })], { id: 'work-item-7' });
    assert.equal(delivery.delivered, true);
    assert.deepEqual(
      delivery.attempts.map((a) => a.status),
      [503, 500, 200],
    );
    assert.deepEqual(
      seen.map((s) => [s.attempt, s.id, s.verified]),
      [
        [1, 'work-item-7#0', true],
        [2, 'work-item-7#0', true],
        [3, 'work-item-7#0', true],
      ],
    );
  });

  it('stops at 410 Gone, and gives up after the last retry', async () => {
    statuses = [410];
    const sender = createLiveSupportiSender({ callbackUrl: url, secret: SECRET, retryDelaysMs: [10, 10] });
    const gone = await sender.send([chatStarted({ id: 'v1', email: 'ada@example.com' })]);
    assert.deepEqual([gone.gone, gone.attempts.length], [true, 1]);
    statuses = [500, 500, 500];
    const failed = await sender.send([chatStarted({ id: 'v1', email: 'ada@example.com' })]);
    assert.deepEqual([failed.delivered, failed.attempts.length], [false, 3]);
  });
});
