import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

/** Writes raw bytes, returns everything the server answered before closing. */
const raw = (port: number, request: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
  });

describe('requests Node cannot parse as HTTP', () => {
  let service: TestService;
  let dir: string;
  before(async () => {
    dir = tempDir();
    service = await startService({}, dir);
  });
  after(async () => {
    await service.stop();
    removeDir(dir);
  });

  for (const [name, request] of [
    [
      'a bad chunk size',
      'POST /webhooks/olark/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    ],
    [
      'chunked and a Content-Length at once',
      'POST /webhooks/olark/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ],
    ['a broken request line', 'GARBAGE\r\n\r\n'],
  ] as const)
    it(`answers ${name} with 400 and the JSON error shape, and keeps serving`, async () => {
      const answer = await raw(service.running.port, request);
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.match(answer, /content-type: application\/json/i);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      assert.deepEqual(JSON.parse(body), { error: { code: 'MALFORMED_BODY', message: 'The request could not be parsed as HTTP.' } });
      assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    });
});
