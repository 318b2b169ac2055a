import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { heapRelease, noHeapRelease, type HeapRelease } from '../../src/http/heap-release';
import { BIG_BODY_BYTES } from '../../src/http/routes/webhooks';
import { olarkForm, postOlark, transcript } from '../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

const MB = 1024 * 1024;
const ROOT = join(__dirname, '..', '..');

/** A heap whose size the test sets, a collection that empties it to `floor`, and a queue of scheduled runs. */
const fakeHeap = (floor = 10 * MB) => {
  let used = floor;
  let collections = 0;
  const queue: (() => void)[] = [];
  const release = heapRelease({
    collect: () => {
      collections++;
      used = floor;
    },
    usedHeapBytes: () => used,
    schedule: (run) => queue.push(run),
    growthBytes: 8 * MB,
  });
  return {
    release,
    grow: (bytes: number) => (used += bytes),
    runScheduled: () => queue.splice(0).forEach((run) => run()),
    scheduled: () => queue.length,
    collections: () => collections,
  };
};

describe('heapRelease', () => {
  it('collects after a big body once the heap has grown past the threshold, not before', () => {
    const heap = fakeHeap();
    heap.grow(4 * MB);
    heap.release.afterBigBody();
    heap.runScheduled();
    assert.equal(heap.collections(), 0, 'grown 4 MB: not worth a pause');
    heap.grow(5 * MB);
    heap.release.afterBigBody();
    heap.runScheduled();
    assert.equal(heap.collections(), 1, 'grown 9 MB: collected');
    heap.grow(3 * MB);
    heap.release.afterBigBody();
    heap.runScheduled();
    assert.equal(heap.collections(), 1, 'measured from what the last collection left');
  });

  it('runs one collection for the bodies answered before it runs, and collects only when scheduled', () => {
    const heap = fakeHeap();
    heap.grow(20 * MB);
    heap.release.afterBigBody();
    heap.release.afterBigBody();
    heap.release.afterBigBody();
    assert.equal(heap.collections(), 0, 'never inside the request that ended');
    assert.equal(heap.scheduled(), 1);
    heap.runScheduled();
    assert.equal(heap.collections(), 1);
    heap.grow(20 * MB);
    heap.release.afterBigBody();
    heap.runScheduled();
    assert.equal(heap.collections(), 2, 'a later body schedules again');
  });

  it('does nothing without a collection to call (Node run without --expose-gc)', () => {
    assert.equal(heapRelease({ collect: undefined }), noHeapRelease);
  });

  it("finds V8's collection under --expose-gc, as npm start runs Node, and none without it", () => {
    const probe = (flags: string[]) =>
      execFileSync(
        process.execPath,
        [
          ...flags,
          '--import',
          'tsx',
          '-e',
          "import('./src/http/heap-release.ts').then((m) => { const c = m.fullCollection(); c?.(); process.stdout.write(typeof c); })",
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
    assert.equal(probe(['--expose-gc']), 'function');
    assert.equal(probe([]), 'undefined');
  });
});

describe('the webhook edge and big bodies', function () {
  this.timeout(20_000);
  let dir: string;
  let service: TestService | undefined;
  let calls = 0;
  const counting: HeapRelease = { afterBigBody: () => void calls++ };
  beforeEach(async () => {
    calls = 0;
    dir = tempDir();
    service = await startService({ CRM: 'local' }, dir, undefined, { heap: counting });
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    removeDir(dir);
  });

  it('tells the heap after each big body, answered or refused, and never after a small one', async () => {
    const webhook = service?.webhook ?? '';
    const small = await postOlark(webhook, transcript({ lines: 4 }));
    assert.equal(small.status, 200);
    assert.equal(calls, 0, 'a small body');

    const big = transcript({ lines: 2_000 });
    assert.ok(Buffer.byteLength(olarkForm(big)) >= BIG_BODY_BYTES, 'the test body is big');
    const answered = await postOlark(webhook, big);
    assert.equal(answered.status, 200);
    assert.equal(calls, 1, 'a big body answered');

    const refused = await postOlark(webhook, undefined, { body: `data=${'x'.repeat(BIG_BODY_BYTES)}` });
    assert.equal(refused.status, 400);
    assert.equal(calls, 2, 'a big body refused');
  });
});
