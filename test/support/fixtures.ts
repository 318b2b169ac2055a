/**
 * The platforms' recorded payloads (test/fixtures/<platform>/*.json): the one loader every test
 * reads them with. A platform's test helpers bind it to their folder (`fixturesOf('livechat')`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Fixtures {
  readonly dir: string;
  /** The payloads' file names, sorted; throws when there are none (the fixtures are part of the repo). */
  readonly names: () => string[];
  readonly bytes: (name: string) => Buffer;
  /** A payload that must be a JSON object. */
  readonly json: (name: string) => Record<string, unknown>;
}

export const fixturesOf = (platform: 'olark' | 'livechat' | 'iadvize' | 'livesupporti'): Fixtures => {
  const dir = resolve(__dirname, '../fixtures', platform);
  const bytes = (name: string): Buffer => readFileSync(join(dir, name));
  return {
    dir,
    names: () => {
      const names = existsSync(dir)
        ? readdirSync(dir)
            .filter((name) => name.endsWith('.json'))
            .sort()
        : [];
      if (names.length === 0) throw new Error(`no ${platform} fixtures in ${dir}: they are part of the repo`);
      return names;
    },
    bytes,
    json: (name) => {
      const value: unknown = JSON.parse(bytes(name).toString('utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error(`${platform} fixture ${name} is not a JSON object`);
      return { ...value };
    },
  };
};
