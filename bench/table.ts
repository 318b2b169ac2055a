/** Plain-text tables and marks for the bench's report. */
/** autocannon reports whole milliseconds. */
export const ms = (v: number) => (v === 0 ? '< 1 ms' : `${v} ms`);

export const mark = (met: boolean | undefined) => (met === undefined ? '–' : met ? '✓' : '✗');

/** A plain-text table with right-aligned numbers. */
export const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]): string => {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (/^[-<\d.,×%+ ]+(ms|MB|s)?$/.test(c) && i > 0 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
};
