import assert from 'node:assert/strict';
import { nextCheckpointMode } from '../../src/storage/sqlite/checkpoint-policy';

describe('where SQLite checkpoints run (checkpoint policy)', () => {
  const policy = { handOverMs: 5, handBackMs: 2, idleMs: 60_000 };

  it('stays on the event loop while checkpoints take no longer than the hand-over time', () => {
    assert.deepEqual(nextCheckpointMode({ mode: 'inline', lastSlowAt: 0, now: 1000, ms: 5 }, policy), { mode: 'inline', lastSlowAt: 0 });
  });

  it('moves to the thread after one slower checkpoint, counting it as the last slow one', () => {
    assert.deepEqual(nextCheckpointMode({ mode: 'inline', lastSlowAt: 0, now: 1000, ms: 5.1 }, policy), {
      mode: 'thread',
      lastSlowAt: 1000,
    });
  });

  it('keeps the thread while checkpoints there are slower than the hand-back time', () => {
    assert.deepEqual(nextCheckpointMode({ mode: 'thread', lastSlowAt: 1000, now: 70_000, ms: 3 }, policy), {
      mode: 'thread',
      lastSlowAt: 70_000,
    });
  });

  it('keeps the thread until the idle time has passed since the last slow checkpoint, then moves back', () => {
    assert.deepEqual(nextCheckpointMode({ mode: 'thread', lastSlowAt: 1000, now: 60_999, ms: 1 }, policy), {
      mode: 'thread',
      lastSlowAt: 1000,
    });
    assert.deepEqual(nextCheckpointMode({ mode: 'thread', lastSlowAt: 1000, now: 61_000, ms: 1 }, policy), {
      mode: 'inline',
      lastSlowAt: 1000,
    });
  });
});
