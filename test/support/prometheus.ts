/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): prom-client
 * ships no parser, and a lenient one would let a malformed scrape pass. Every line must be a
 * HELP, a TYPE or a sample; every sample belongs to a family whose TYPE came first; label values
 * are unescaped; histograms have ascending `le` buckets ending at +Inf, equal to `_count`.
 */
import assert from 'node:assert/strict';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;
const isType = (s: string): s is Family['type'] => (TYPES as readonly string[]).includes(s);

/** Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`). */
const parseValue = (text: string, line: string): number => {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  assert.match(text, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `bad value in: ${line}`);
  return Number(text);
};

const parseLabels = (text: string, line: string): Record<string, string> => {
  const labels = new Map<string, string>();
  let rest = text;
  const pair = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);
  while (rest.length > 0) {
    const m = pair.exec(rest);
    assert.ok(m !== null, `bad labels in: ${line}`);
    const [whole, key = '', raw = ''] = m;
    assert.ok(!labels.has(key), `repeated label ${key} in: ${line}`);
    labels.set(
      key,
      raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c)),
    );
    rest = rest.slice(whole.length);
  }
  return Object.fromEntries(labels);
};

/** The family a sample belongs to: histogram and summary samples carry suffixes. */
const familyOf = (families: Map<string, Family>, name: string): Family | undefined => {
  const direct = families.get(name);
  if (direct !== undefined) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (family !== undefined && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
};

export const parsePrometheus = (text: string): Map<string, Family> => {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (help !== null) {
      helps.set(help[1] ?? '', help[2] ?? '');
      continue;
    }
    const type = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line);
    if (type !== null) {
      const [, name = '', kind = ''] = type;
      assert.ok(isType(kind), `unknown type in: ${line}`);
      assert.ok(!families.has(name), `TYPE given twice for ${name}`);
      families.set(name, { name, type: kind, help: helps.get(name) ?? '', samples: [] });
      continue;
    }
    assert.ok(!line.startsWith('#'), `a comment that is neither HELP nor TYPE: ${line}`);
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`).exec(line);
    assert.ok(sample !== null, `not a sample line: ${line}`);
    const [, name = '', labels = '', value = ''] = sample;
    const family = familyOf(families, name);
    assert.ok(family !== undefined, `sample before its TYPE: ${line}`);
    family.samples.push({ name, labels: parseLabels(labels, line), value: parseValue(value, line) });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
};

const checkHistogram = (family: Family): void => {
  const series = new Map<string, Sample[]>();
  const keyOf = (labels: Readonly<Record<string, string>>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of family.samples) if (s.name.endsWith('_bucket')) series.set(keyOf(s.labels), [...(series.get(keyOf(s.labels)) ?? []), s]);
  for (const [key, buckets] of series) {
    const bounds = buckets.map((b) => parseValue(b.labels.le ?? '', `${family.name} le`));
    assert.deepEqual(
      bounds,
      [...bounds].sort((a, b) => a - b),
      `${family.name} buckets ascend`,
    );
    assert.equal(bounds.at(-1), Infinity, `${family.name} ends at +Inf`);
    const counts = buckets.map((b) => b.value);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      `${family.name} buckets are cumulative`,
    );
    const count = family.samples.find((s) => s.name === `${family.name}_count` && keyOf(s.labels) === key);
    assert.equal(count?.value, counts.at(-1), `${family.name}_count equals the +Inf bucket`);
  }
};

/** The value of one sample, given a subset of its labels (0 when the series does not exist yet). */
export const valueOf = (families: Map<string, Family>, name: string, labels: Readonly<Record<string, string>> = {}): number => {
  const family = familyOf(families, name);
  assert.ok(family !== undefined, `no metric ${name}`);
  const matching = family.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return matching.reduce((sum, s) => sum + s.value, 0);
};
