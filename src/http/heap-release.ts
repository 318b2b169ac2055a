/**
 * Frees what a big webhook body leaves behind, once it is answered. Its raw bytes, their decoded
 * text, the JSON value and the stored snapshot are a few MB each, and V8 puts objects that size
 * in its large-object space, which only a full collection frees. V8 starts one when the old
 * generation has grown by its own factor, so a burst of long chats held about 30 MB of garbage:
 * eight 10,000-message transcripts at once peaked at 160.7–187.8 MB without this and 144–158.3 MB
 * with it (README, Performance, Memory, big bodies). The cost is one full collection on the event
 * loop, 10–18 ms on a 2-core machine, after a body whose own decoding took several times that.
 *
 * `npm start` passes `--expose-gc`; run without it, `globalThis.gc` is undefined and this does
 * nothing. Small bodies never trigger it.
 */
import { getHeapStatistics } from 'node:v8';

export interface HeapRelease {
  /** A big body was answered (or refused): collect soon, if the heap grew enough since the last time. */
  afterBigBody(): void;
}

export interface HeapReleaseDeps {
  /** A full, synchronous collection: `globalThis.gc` under `--expose-gc`, else undefined. */
  readonly collect: (() => void) | undefined;
  readonly usedHeapBytes?: () => number;
  /** When the collection runs: after the answer has been written (default `setImmediate`). */
  readonly schedule?: (run: () => void) => void;
  /** Growth of the used heap since the last collection below which none is worth its pause. */
  readonly growthBytes?: number;
}

/** V8's full synchronous collection when Node runs with `--expose-gc`, else undefined. */
export const fullCollection = (): (() => void) | undefined => {
  const gc = globalThis.gc;
  return gc === undefined ? undefined : () => gc();
};

export const HEAP_GROWTH_BYTES = 8 * 1024 * 1024;

export const noHeapRelease: HeapRelease = { afterBigBody: () => undefined };

export const heapRelease = (deps: HeapReleaseDeps): HeapRelease => {
  const { collect } = deps;
  if (collect === undefined) return noHeapRelease;
  const used = deps.usedHeapBytes ?? (() => getHeapStatistics().used_heap_size);
  const schedule = deps.schedule ?? ((run: () => void) => void setImmediate(run));
  const growth = deps.growthBytes ?? HEAP_GROWTH_BYTES;
  let scheduled = false;
  // The heap at start-up stands for the last collection until the first one.
  let after = used();
  return {
    afterBigBody() {
      // Bodies answered in the same turn share one collection.
      if (scheduled) return;
      scheduled = true;
      schedule(() => {
        scheduled = false;
        if (used() - after < growth) return;
        collect();
        after = used();
      });
    },
  };
};
