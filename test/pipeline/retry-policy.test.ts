import assert from 'node:assert/strict';
import { MAX_RATE_LIMITED, MAX_RETRY_AFTER_MS, nextRetry, nextRetryAfterRateLimit } from '../../src/pipeline/retry-policy';

const schedule = [5_000, 30_000, 120_000];

describe('nextRetry', () => {
  it('follows the schedule, then gives up', () => {
    assert.deepEqual(
      nextRetry(1, schedule, undefined, () => 0),
      { kind: 'retry', delayMs: 5_000 },
    );
    assert.deepEqual(
      nextRetry(3, schedule, undefined, () => 0),
      { kind: 'retry', delayMs: 120_000 },
    );
    assert.deepEqual(
      nextRetry(4, schedule, undefined, () => 0),
      { kind: 'dead' },
    );
  });
  it('never retries sooner than Retry-After, jitter included', () => {
    for (const r of [0, 0.5, 0.999]) {
      const d = nextRetry(1, schedule, 42_000, () => r);
      assert.ok(d.kind === 'retry' && d.delayMs >= 42_000 && d.delayMs <= 42_000 * 1.1, JSON.stringify(d));
    }
  });
  it('clamps an absurd Retry-After', () => {
    const d = nextRetry(1, schedule, 30 * 24 * 3_600_000, () => 0);
    assert.deepEqual(d, { kind: 'retry', delayMs: MAX_RETRY_AFTER_MS });
  });
  it('adds at most 10 % jitter so failed bursts spread out', () => {
    const delays = [0, 0.25, 0.5, 0.75, 0.99].map((r) => nextRetry(2, schedule, undefined, () => r));
    assert.equal(new Set(delays.map((d) => (d.kind === 'retry' ? d.delayMs : -1))).size, 5);
    for (const d of delays) assert.ok(d.kind === 'retry' && d.delayMs >= 30_000 && d.delayMs < 33_000);
  });
});

describe('nextRetryAfterRateLimit', () => {
  it('waits what the CRM asked, else the first slot, and gives up only after many', () => {
    assert.deepEqual(
      nextRetryAfterRateLimit(1, schedule, 10_000, () => 0),
      { kind: 'retry', delayMs: 10_000 },
    );
    assert.deepEqual(
      nextRetryAfterRateLimit(50, schedule, undefined, () => 0),
      { kind: 'retry', delayMs: 5_000 },
    );
    assert.deepEqual(
      nextRetryAfterRateLimit(MAX_RATE_LIMITED + 1, schedule, 1_000, () => 0),
      { kind: 'dead' },
    );
  });
});
