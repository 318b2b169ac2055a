/** Percentiles by the nearest-rank method (no interpolation: every figure was measured). */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round1 = (n: number): number => Math.round(n * 10) / 10;
