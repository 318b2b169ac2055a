import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The real Olark payloads, kept in the repo (`test/fixtures/olark`). */
export const FIXTURE_DIR = path.resolve(__dirname, '../../fixtures/olark');

export const fixtureNames = (): string[] => {
  if (!existsSync(FIXTURE_DIR)) throw new Error(`Olark fixtures not found at ${FIXTURE_DIR}: the fixtures are part of the repo.`);
  const names = readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (names.length === 0) throw new Error(`No Olark fixtures in ${FIXTURE_DIR}.`);
  return names;
};

export const fixtureBytes = (name: string): Buffer => readFileSync(path.join(FIXTURE_DIR, name));

export const fixtureJson = (name: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(fixtureBytes(name).toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} is not a JSON object`);
  return { ...value };
};

/** The body exactly as Olark posts it: `data=` + the URL-encoded JSON, spaces as `+`. */
export const formBody = (json: string): Buffer => Buffer.from(`data=${encodeURIComponent(json).replace(/%20/g, '+')}`);
