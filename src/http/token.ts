import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The webhook URL carries a secret token (Olark signs nothing; every platform gets one).
 * Both sides are hashed first: equal-length digests let `timingSafeEqual` run without
 * leaking the expected token's length.
 */
export const tokenMatches = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected)) && expected.length > 0;

/** `tokenMatches` against a fixed token, whose digest is computed once. */
export const tokenMatcher = (expected: string): ((given: string) => boolean) => {
  const wanted = digest(expected);
  return (given) => timingSafeEqual(digest(given), wanted) && expected.length > 0;
};
