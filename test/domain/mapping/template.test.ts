import assert from 'node:assert/strict';
import { parseTemplate, renderTemplate, type Template } from '../../../src/domain/mapping';

const parsed = (text: string): Template => {
  const p = parseTemplate(text);
  assert.ok(p.ok, p.ok ? '' : p.errors.join('; '));
  return p.template;
};

const render = (text: string, values: Readonly<Record<string, string>>): string =>
  renderTemplate(parsed(text), (name) => (Object.hasOwn(values, name) ? values[name] : undefined));

describe('mapping templates', () => {
  it('keeps literal text as it is, with single braces and a stray "}}"', () => {
    assert.equal(render('NEW', {}), 'NEW');
    assert.equal(render('a {b} c }} d', {}), 'a {b} c }} d');
    assert.equal(render('', {}), '');
  });

  it('fills placeholders inside literal text', () => {
    assert.equal(
      render('Chat on {{source}} from {{visitor.city}}', { source: 'olark', 'visitor.city': 'Paris' }),
      'Chat on olark from Paris',
    );
  });

  it('tries | alternatives in order, skipping absent and blank values', () => {
    const t = '{{form.Job title|custom.role|visitor.company}}';
    assert.equal(render(t, { 'custom.role': 'CTO', 'visitor.company': 'Acme' }), 'CTO');
    assert.equal(render(t, { 'form.Job title': '  ', 'visitor.company': 'Acme' }), 'Acme');
    assert.equal(render(t, {}), '');
  });

  it('takes a quoted alternative as a literal, with escaped quotes, | and }} inside it', () => {
    assert.equal(render('{{form.Priority|"MEDIUM"}}', {}), 'MEDIUM');
    assert.equal(render('{{form.Priority|"MEDIUM"}}', { 'form.Priority': 'HIGH' }), 'HIGH');
    assert.equal(render('{{ "a|b}}c" }}', {}), 'a|b}}c');
    assert.equal(render('{{"say \\"hi\\""}}', {}), 'say "hi"');
  });

  it('trims the spaces around alternatives; attribute names keep their inner spaces', () => {
    const t = parsed('{{  form.Job title  |  "x" }}');
    assert.deepEqual(t.parts, [
      {
        kind: 'slot',
        alternatives: [
          { kind: 'attribute', name: 'form.Job title' },
          { kind: 'literal', text: 'x' },
        ],
      },
    ]);
  });

  it('names every problem with its position: unclosed braces, empty placeholders, empty alternatives, unclosed quotes', () => {
    const errors = (text: string) => {
      const p = parseTemplate(text);
      assert.equal(p.ok, false, text);
      return p.ok ? [] : p.errors;
    };
    assert.deepEqual(errors('Hello {{visitor.name'), ['unclosed "{{" at character 7']);
    assert.deepEqual(errors('{{}} and {{  }}'), ['empty placeholder "{{}}" at character 1', 'empty placeholder "{{}}" at character 10']);
    assert.deepEqual(errors('{{a||b}}'), ['empty alternative at character 5 (write "" for an empty literal)']);
    assert.deepEqual(errors('{{a|"open}}'), ['unclosed "{{" at character 1']);
    assert.deepEqual(errors('{{"x" y}}'), ['expected | or }} after the quoted text at character 7']);
    assert.deepEqual(errors('{{a}} {{b'), ['unclosed "{{" at character 7']);
  });
});
