/**
 * The mapping file's template language: literal text with `{{…}}` placeholders; inside, the
 * alternatives separated by `|` are tried in order and the first non-empty one wins; a
 * `"quoted"` alternative is a literal (`\"` and `\\` escape inside it). Parsing is pure and
 * names every problem with its character position.
 */

export type Alternative = { readonly kind: 'attribute'; readonly name: string } | { readonly kind: 'literal'; readonly text: string };

export type Part =
  { readonly kind: 'text'; readonly text: string } | { readonly kind: 'slot'; readonly alternatives: readonly Alternative[] };

export interface Template {
  readonly parts: readonly Part[];
}

export type Parsed = { readonly ok: true; readonly template: Template } | { readonly ok: false; readonly errors: readonly string[] };

/** One placeholder's inside (between `{{` and `}}`); `at` is the position of its first character. */
const parseSlot = (inside: string, at: number, errors: string[]): Alternative[] => {
  const alternatives: Alternative[] = [];
  let i = 0;
  for (;;) {
    while (i < inside.length && /\s/.test(inside[i] ?? '')) i++;
    const start = i;
    if (inside[i] === '"') {
      let text = '';
      i++;
      let closed = false;
      while (i < inside.length) {
        const ch = inside[i] ?? '';
        if (ch === '\\' && i + 1 < inside.length) {
          text += inside[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        text += ch;
        i++;
      }
      if (!closed) {
        errors.push(`unclosed quote at character ${at + start + 1}`);
        return alternatives;
      }
      alternatives.push({ kind: 'literal', text });
      while (i < inside.length && /\s/.test(inside[i] ?? '')) i++;
      if (i < inside.length && inside[i] !== '|') {
        errors.push(`expected | or }} after the quoted text at character ${at + i + 1}`);
        return alternatives;
      }
    } else {
      const bar = inside.indexOf('|', i);
      const end = bar === -1 ? inside.length : bar;
      const name = inside.slice(i, end).trim();
      if (name === '') errors.push(`empty alternative at character ${at + start + 1} (write "" for an empty literal)`);
      else alternatives.push({ kind: 'attribute', name });
      i = end;
    }
    if (i >= inside.length) return alternatives;
    i++; // past `|`
  }
};

/**
 * Finds the `}}` that closes a placeholder opened at `from`, skipping quoted text; -1 if none.
 */
const closingOf = (text: string, from: number): number => {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '}' && text[i + 1] === '}') return i;
  }
  return -1;
};

export const parseTemplate = (text: string): Parsed => {
  const parts: Part[] = [];
  const errors: string[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) {
      parts.push({ kind: 'text', text: text.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: text.slice(i, open) });
    const close = closingOf(text, open + 2);
    if (close === -1) {
      errors.push(`unclosed "{{" at character ${open + 1}`);
      break;
    }
    const inside = text.slice(open + 2, close);
    const before = errors.length;
    const alternatives = inside.trim() === '' ? [] : parseSlot(inside, open + 2, errors);
    if (inside.trim() === '') errors.push(`empty placeholder "{{}}" at character ${open + 1}`);
    if (errors.length === before) parts.push({ kind: 'slot', alternatives });
    i = close + 2;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, template: { parts } };
};

/** The attribute names a template reads, in order. */
export const attributesOf = (template: Template): string[] =>
  template.parts.flatMap((p) => (p.kind === 'slot' ? p.alternatives.flatMap((a) => (a.kind === 'attribute' ? [a.name] : [])) : []));

/** The template's text with each placeholder's first non-empty alternative; `lookup` gives an attribute's value. */
export const renderTemplate = (template: Template, lookup: (name: string) => string | undefined): string =>
  template.parts
    .map((p) => {
      if (p.kind === 'text') return p.text;
      for (const a of p.alternatives) {
        const value = a.kind === 'literal' ? a.text : lookup(a.name);
        if (value !== undefined && value.trim() !== '') return value;
      }
      return '';
    })
    .join('');
