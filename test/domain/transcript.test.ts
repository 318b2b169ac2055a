import assert from 'node:assert/strict';
import type { Conversation } from '../../src/domain/conversation';
import { mergeConversation } from '../../src/domain/merge';
import {
  chatLines,
  escapeHtml,
  formatTime,
  renderTranscriptHtml,
  renderTranscriptText,
  transcriptTextWithin,
  trimMiddle,
} from '../../src/domain/transcript';

const at = (s: number) => new Date(Date.UTC(2019, 4, 17, 15, 42, s));
const conversation = (n: number, over: Partial<Conversation> = {}): Conversation => ({
  source: 'olark',
  id: 'c1',
  visitor: { name: 'Ada' },
  messages: Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'visitor' : 'operator',
    author: i % 2 === 0 ? 'Ada' : 'Grace',
    body: `line ${i}`,
    at: at(i),
  })),
  tags: [],
  groups: [],
  operators: [],
  offline: false,
  ...over,
});

describe('transcripts', () => {
  it('renders one line per message with UTC time and speaker, leaving out operator commands', () => {
    const c = conversation(2);
    const withCommand = { ...c, messages: [...c.messages, { role: 'operator' as const, author: 'Grace', body: '!lead', at: at(9) }] };
    assert.equal(renderTranscriptText(withCommand), '[2019-05-17 15:42:00 UTC] Ada: line 0\n[2019-05-17 15:42:01 UTC] Grace: line 1');
  });

  it('escapes HTML in names and messages', () => {
    const c = conversation(1, {
      messages: [{ role: 'visitor', author: '<b>Eve</b>', body: '<script>alert(1)</script> & "x"', at: at(0) }],
    });
    const out = renderTranscriptHtml(c);
    assert.ok(!out.includes('<script>'));
    assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;'));
    assert.ok(out.includes('&lt;b&gt;Eve&lt;/b&gt;'));
  });

  it('trims the middle, keeping the start and the end, within the limit', () => {
    const text = `START ${'x'.repeat(1000)} END`;
    const out = trimMiddle(text, 100);
    assert.equal(out.length <= 100, true);
    assert.ok(out.startsWith('START '));
    assert.ok(out.endsWith(' END'));
    assert.ok(out.includes('shortened'));
    assert.equal(trimMiddle('short', 100), 'short');
  });

  it('never splits a surrogate pair when trimming', () => {
    const out = trimMiddle('😀'.repeat(200), 101);
    assert.doesNotThrow(() => encodeURIComponent(out));
  });

  it('keeps whole first and last messages when an HTML transcript is too long', () => {
    const c = conversation(400);
    const out = renderTranscriptHtml(c, 4000);
    assert.ok(out.length <= 4000, `${out.length}`);
    assert.ok(out.includes('line 0<'));
    assert.ok(out.includes('line 399<'));
    assert.ok(out.includes('shortened'));
    assert.equal((out.match(/<p>/g) ?? []).length, (out.match(/<\/p>/g) ?? []).length);
  });
});

describe('transcripts within a field limit, rendering only the lines kept', () => {
  /** The renderer as it was, rendering every line first: the lazy one must give the same text. */
  const htmlRenderingAll = (c: Conversation, max: number): string => {
    const title = `<p><strong>Chat transcript</strong> (${escapeHtml(c.source)} ${escapeHtml(c.id)})</p>`;
    const lines = chatLines(c).map(
      (m) => `<p><strong>${escapeHtml(m.author)}</strong> <em>${formatTime(m.at)}</em><br>${escapeHtml(m.body).replace(/\n/g, '<br>')}</p>`,
    );
    const whole = title + lines.join('');
    if (whole.length <= max) return whole;
    const gap = '<p><em>[… transcript shortened …]</em></p>';
    let budget = max - title.length - gap.length;
    const head: string[] = [];
    const tail: string[] = [];
    let i = 0;
    let j = lines.length - 1;
    while (i <= j) {
      const fromHead = head.length <= tail.length;
      const line = fromHead ? lines[i] : lines[j];
      if (line === undefined || line.length > budget) break;
      budget -= line.length;
      if (fromHead) {
        head.push(line);
        i++;
      } else {
        tail.unshift(line);
        j--;
      }
    }
    const result = title + head.join('') + gap + tail.join('');
    return result.length <= max ? result : trimMiddle(result, max, '');
  };
  const bodies = ['hi', 'a longer line with <html> & "quotes"', '😀 surrogates 😀', '!lead', 'two\nlines', 'x'.repeat(90)];
  const varied = (n: number): Conversation =>
    conversation(n, { messages: conversation(n).messages.map((m, i) => ({ ...m, body: `${bodies[i % bodies.length] ?? ''} ${i}` })) });

  it('gives what rendering every line and then trimming gives', () => {
    for (const n of [0, 1, 2, 3, 7, 20, 61])
      for (const max of [0, 1, 5, 30, 47, 120, 333, 1000, 5000])
        for (const lead of ['', 'Chat transcript (olark c1)\n\n']) {
          const c = varied(n);
          const label = `${n} messages, max ${max}, lead ${JSON.stringify(lead)}`;
          assert.equal(transcriptTextWithin(c, max, lead), trimMiddle(lead + renderTranscriptText(c), max), label);
          if (lead === '') assert.equal(renderTranscriptHtml(c, max), htmlRenderingAll(c, max), label);
        }
  });
});

describe('mergeConversation', () => {
  it('keeps the fuller transcript, fills blank visitor fields and accumulates tags', () => {
    const known = conversation(5, { visitor: { name: 'Ada', email: 'ada@example.com' }, tags: ['vip'] });
    const fresh = conversation(3, { visitor: { name: 'Ada L.', phone: '+1 555 0100' }, tags: ['support'] });
    const merged = mergeConversation(known, fresh);
    assert.equal(merged.messages.length, 5);
    assert.deepEqual(merged.visitor, { name: 'Ada L.', email: 'ada@example.com', phone: '+1 555 0100' });
    assert.deepEqual([...merged.tags].sort(), ['support', 'vip']);
    assert.equal(mergeConversation(fresh, known).messages.length, 5);
  });
});
