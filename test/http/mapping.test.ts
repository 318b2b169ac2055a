/**
 * MAPPING_FILE end to end: a service started with a mapping writes the mapped fields on the
 * local CRM's records and shows them on the record page, fills blanks and rewrites only the
 * `overwrite` names on repeats; a bad file stops start-up with every problem named.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config';
import { postOlark, transcript } from '../support/olark';
import { freePort, removeDir, startService, tempDir, type TestService } from '../support/service';

const MAPPING = {
  lead: {
    fields: {
      'Job title': '{{form.Job title|custom.role|"unknown"}}',
      'Company size': '{{custom.company size}}',
      Agent: '{{operator.name}} <{{operator.email}}>',
      Platform: '{{source}} ({{visitor.city}})',
      Status: '{{custom.status}}',
      Empty: '{{visitor.referrer}}',
    },
  },
  case: { fields: { Priority: '{{form.Priority|"Medium"}}' } },
  overwrite: ['Status'],
};

const recordId = async (res: Response): Promise<string> => {
  assert.equal(res.status, 200);
  const body: unknown = await res.json();
  assert.ok(typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string');
  return decodeURIComponent(body.integrationUrl.split('/records/')[1] ?? '');
};

const withCustom = (payload: ReturnType<typeof transcript>, customFields: Record<string, string>) => ({
  ...payload,
  visitor: { ...payload.visitor, customFields },
});

describe('MAPPING_FILE with the local CRM', () => {
  let service: TestService;
  let dir: string;
  before(async () => {
    dir = tempDir();
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify(MAPPING));
    service = await startService({ MAPPING_FILE: file }, dir);
  });
  after(async () => {
    await service.stop();
    removeDir(dir);
  });

  it('writes the mapped fields on the record and shows them on its page, leaving out empty ones', async () => {
    const payload = withCustom(transcript({ email: 'mapped@example.com' }), { role: 'CTO', CompanySize: '50', status: 'New' });
    const id = await recordId(await postOlark(service.webhook, payload));
    const record = await service.running.store.getLocalRecord(id);
    assert.deepEqual(record?.fields, {
      lead: { 'Job title': 'CTO', 'Company size': '50', Agent: 'Grace <grace@example.com>', Platform: 'olark (London)', Status: 'New' },
    });
    const page = await (await fetch(`${service.url}/records/${encodeURIComponent(id)}`)).text();
    assert.match(page, /<h2>Lead fields<\/h2>/);
    assert.match(page, /<dt>Job title<\/dt><dd>CTO<\/dd>/);
    assert.match(page, /<dt>Agent<\/dt><dd>Grace &lt;grace@example.com&gt;<\/dd>/);
    assert.doesNotMatch(page, /<dt>Empty<\/dt>/);
  });

  it('on a repeat fills only blanks and rewrites the overwrite names', async () => {
    const first = transcript({ email: 'repeat@example.com' });
    const id = await recordId(await postOlark(service.webhook, withCustom(first, { status: 'New' })));
    assert.equal((await service.running.store.getLocalRecord(id))?.fields.lead?.['Job title'], 'unknown');
    const again = withCustom(
      { ...first, items: transcript({ id: first.id, lines: 4 }).items },
      { role: 'CEO', CompanySize: '10', status: 'Qualified' },
    );
    assert.equal(await recordId(await postOlark(service.webhook, again)), id);
    const fields = (await service.running.store.getLocalRecord(id))?.fields.lead;
    // Filled before: kept (as a person's edit would be). Blank before: filled. Overwrite: rewritten.
    assert.equal(fields?.['Job title'], 'unknown');
    assert.equal(fields?.['Company size'], '10');
    assert.equal(fields?.Status, 'Qualified');
  });

  it('maps a case with its own fields', async () => {
    const id = await recordId(await postOlark(service.webhook, transcript({ email: 'case@example.com', tags: ['support'] })));
    assert.deepEqual((await service.running.store.getLocalRecord(id))?.fields, { case: { Priority: 'Medium' } });
  });
});

describe('a bad MAPPING_FILE', () => {
  it('stops start-up, naming the file and every problem in it', async function () {
    this.timeout(30_000);
    const dir = tempDir();
    try {
      const file = join(dir, 'bad-mapping.json');
      writeFileSync(
        file,
        JSON.stringify({
          lead: { fields: { a: '{{visitor.nmae}}', b: 'Hi {{visitor.name' } },
          owner: 'someone else',
          overwrite: ['c'],
          extra: 1,
        }),
      );
      const port = String(await freePort());
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: resolve(__dirname, '../..'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORT: port,
          HOST: '127.0.0.1',
          DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
          MAPPING_FILE: file,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /cannot start: the configuration has 5 problem\(s\)/);
      for (const problem of [
        `MAPPING_FILE: ${file}: extra: unknown key`,
        `MAPPING_FILE: ${file}: lead.fields.a: unknown attribute "visitor.nmae"`,
        `MAPPING_FILE: ${file}: lead.fields.b: unclosed "{{" at character 4`,
        `MAPPING_FILE: ${file}: owner: must be "agent", "none", a CRM user id or a CRM user's email`,
        `MAPPING_FILE: ${file}: overwrite.0: "c" is not mapped in lead, case or contact fields`,
      ])
        assert.ok(stderr.includes(problem), `missing "${problem}" in:\n${stderr}`);
    } finally {
      removeDir(dir);
    }
  });

  it('names a missing file and a file that is not JSON', async () => {
    const dir = tempDir();
    try {
      const missing = loadConfig({ MAPPING_FILE: join(dir, 'nope.json') });
      assert.equal(missing.ok, false);
      assert.deepEqual(missing.ok ? [] : missing.errors, [`MAPPING_FILE: ${join(dir, 'nope.json')}: no such file`]);
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{"lead": ');
      const broken = loadConfig({ MAPPING_FILE: file });
      assert.equal(broken.ok, false);
      assert.match(
        broken.ok ? '' : (broken.errors[0] ?? ''),
        new RegExp(`^MAPPING_FILE: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
      );
    } finally {
      removeDir(dir);
    }
  });
});
