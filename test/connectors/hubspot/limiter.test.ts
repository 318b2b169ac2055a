import assert from 'node:assert/strict';
import { createLimiter, FIRST_ANSWER_POLL_MS, type Admission, type Slot } from '../../../connectors/hubspot/limiter';

const slotsOf = (a: Admission): readonly Slot[] => {
  if (!a.ok) throw new Error(`refused for ${a.retryAfterMs} ms`);
  return a.slots;
};

const refusal = (a: Admission): number => {
  if (a.ok) throw new Error('admitted');
  return a.retryAfterMs;
};

describe('HubSpot rate limiter', () => {
  let now = 0;
  const limiter = (max = 4, intervalMs = 1000) => {
    const l = createLimiter({ now: () => now, maxWaitMs: 250, max, intervalMs });
    l.observe({ max, intervalMs, remaining: max }, false);
    return l;
  };
  beforeEach(() => {
    now = 1_000_000;
  });

  it('admits up to the limit, then names when the first answered call leaves the window', () => {
    const l = limiter();
    const [a, b] = slotsOf(l.admit(2));
    slotsOf(l.admit(2));
    now += 50;
    a?.done();
    now += 50;
    b?.done();
    assert.equal(refusal(l.admit(1)), 950, 'one interval after the first answer');
    assert.equal(refusal(l.admit(2)), 1000, 'two calls need the second answer to age out too');
  });

  it('admits a call that waits only briefly for room, keeping its place ahead of later ones', () => {
    const l = limiter();
    for (const s of slotsOf(l.admit(4))) s.done();
    now += 800;
    const first = l.admit(1);
    const rest = l.admit(3);
    assert.deepEqual([first.ok ? first.waitMs : -1, rest.ok ? rest.waitMs : -1], [200, 200]);
    assert.equal(refusal(l.admit(1)), 1000, 'claimed slots are not given away twice');
  });

  it('answers an interval when every call in the window is still in flight', () => {
    const l = limiter();
    slotsOf(l.admit(4));
    assert.equal(refusal(l.admit(1)), 1000);
  });

  it('gives back what an operation did not use', () => {
    const l = limiter();
    const [used, ...unused] = slotsOf(l.admit(4));
    used?.done();
    for (const s of unused) s.release();
    assert.equal(slotsOf(l.admit(3)).length, 3);
  });

  it('learns the limits and the calls of other processes from the headers', () => {
    const l = limiter(100, 10_000);
    const [s] = slotsOf(l.admit(1));
    s?.done();
    // HubSpot says 20 per 2 s, of which 15 are gone: 14 by someone else.
    l.observe({ max: 20, intervalMs: 2000, remaining: 5 }, false);
    slotsOf(l.admit(5));
    assert.equal(refusal(l.admit(1)), 2000);
  });

  it('sends nothing after a 429 until its back-off has passed, whatever the headers say', () => {
    const l = limiter();
    l.observe({ max: 4, intervalMs: 1000, remaining: 0 }, true);
    l.backOff(2000);
    assert.equal(refusal(l.admit(1)), 2000);
    now += 1800;
    const soon = l.admit(1);
    assert.deepEqual(soon.ok ? soon.waitMs : -1, 200);
  });

  it('lets only a few calls out before any answer has stated the limits', () => {
    const l = createLimiter({ now: () => now, maxWaitMs: 250 });
    const first = slotsOf(l.admit(3));
    slotsOf(l.admit(2));
    assert.equal(refusal(l.admit(1)), FIRST_ANSWER_POLL_MS);
    for (const s of first) s.done();
    l.observe({ max: undefined, intervalMs: undefined, remaining: undefined }, false);
    assert.equal(slotsOf(l.admit(10)).length, 10);
  });

  it('paces nothing when answers never state a limit, but still honours a 429', () => {
    const l = createLimiter({ now: () => now, maxWaitMs: 250 });
    l.observe({ max: undefined, intervalMs: undefined, remaining: undefined }, false);
    for (let i = 0; i < 50; i++) {
      const admitted = l.admit(4);
      assert.ok(admitted.ok && admitted.waitMs === 0, `call ${i} admitted at once`);
    }
    l.backOff(3000);
    assert.equal(refusal(l.admit(1)), 3000);
    now += 3000;
    assert.equal(slotsOf(l.admit(2)).length, 2);
  });
});
