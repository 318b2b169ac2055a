/**
 * The slice of SOQL the Salesforce connector sends, parsed and evaluated like Salesforce does:
 * `SELECT f, … FROM Type [WHERE a = 'x' AND b != null AND c IN ('p','q')] [LIMIT n]`.
 * String comparisons are case-insensitive, as in SOQL
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm).
 */
export type SoqlValue = string | number | boolean | null;

export interface SoqlCondition {
  readonly field: string;
  readonly op: '=' | '!=' | 'IN';
  readonly values: readonly SoqlValue[];
}

export interface SoqlQuery {
  readonly fields: readonly string[];
  readonly from: string;
  readonly where: readonly SoqlCondition[];
  readonly limit?: number;
}

export class SoqlSyntaxError extends Error {}

type Token = { kind: 'word' | 'string' | 'number' | 'punct'; text: string };

const tokenize = (soql: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const ch = soql[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let text = '';
      i++;
      for (;;) {
        const c = soql[i];
        if (c === undefined) throw new SoqlSyntaxError('unterminated string literal');
        if (c === '\\') {
          const next = soql[i + 1];
          if (next === undefined) throw new SoqlSyntaxError('unterminated escape');
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (ch === '!' && soql[i + 1] === '=') {
      tokens.push({ kind: 'punct', text: '!=' });
      i += 2;
    } else if ('=,()'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch });
      i++;
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(soql.slice(i));
      if (m === null) throw new SoqlSyntaxError(`unexpected '${ch}'`);
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(i));
      const text = m?.[0] ?? ch;
      tokens.push({ kind: 'word', text });
      i += text.length;
    } else {
      throw new SoqlSyntaxError(`unexpected token: '${ch}'`);
    }
  }
  return tokens;
};

export const parseSoql = (soql: string): SoqlQuery => {
  const tokens = tokenize(soql);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = (): Token => {
    const t = tokens[pos++];
    if (t === undefined) throw new SoqlSyntaxError('unexpected end of query');
    return t;
  };
  const keyword = (word: string) => {
    const t = next();
    if (t.kind !== 'word' || t.text.toUpperCase() !== word) throw new SoqlSyntaxError(`expecting ${word}, found '${t.text}'`);
  };
  const isKeyword = (word: string) => peek()?.kind === 'word' && peek()?.text.toUpperCase() === word;
  const identifier = (): string => {
    const t = next();
    if (t.kind !== 'word') throw new SoqlSyntaxError(`expecting a field name, found '${t.text}'`);
    return t.text;
  };
  const value = (): SoqlValue => {
    const t = next();
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'word' && /^(true|false|null)$/i.test(t.text))
      return t.text.toLowerCase() === 'null' ? null : t.text.toLowerCase() === 'true';
    throw new SoqlSyntaxError(`unexpected token: '${t.text}'`);
  };

  keyword('SELECT');
  const fields = [identifier()];
  while (peek()?.text === ',') {
    pos++;
    fields.push(identifier());
  }
  keyword('FROM');
  const from = identifier();
  const where: SoqlCondition[] = [];
  if (isKeyword('WHERE')) {
    pos++;
    do {
      const field = identifier();
      const op = next();
      if (op.text === '=' || op.text === '!=') where.push({ field, op: op.text, values: [value()] });
      else if (op.kind === 'word' && op.text.toUpperCase() === 'IN') {
        if (next().text !== '(') throw new SoqlSyntaxError("expecting '('");
        const values = [value()];
        while (peek()?.text === ',') {
          pos++;
          values.push(value());
        }
        if (next().text !== ')') throw new SoqlSyntaxError("expecting ')'");
        where.push({ field, op: 'IN', values });
      } else throw new SoqlSyntaxError(`unexpected token: '${op.text}'`);
    } while (isKeyword('AND') && ++pos > 0);
  }
  let limit: number | undefined;
  if (isKeyword('LIMIT')) {
    pos++;
    const n = next();
    if (n.kind !== 'number') throw new SoqlSyntaxError('LIMIT needs a number');
    limit = Number(n.text);
  }
  if (pos !== tokens.length) throw new SoqlSyntaxError(`unexpected token: '${tokens[pos]?.text ?? ''}'`);
  return limit === undefined ? { fields, from, where } : { fields, from, where, limit };
};

const same = (a: unknown, b: SoqlValue): boolean => {
  if (b === null) return a === null || a === undefined;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
};

export const matches = (record: Readonly<Record<string, unknown>>, where: readonly SoqlCondition[]): boolean =>
  where.every((c) => {
    const hit = c.values.some((v) => same(record[c.field], v));
    return c.op === '!=' ? !hit : hit;
  });
