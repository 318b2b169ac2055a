/**
 * `MAPPING_FILE`: the path of the field-mapping file, read once at start and decoded with every
 * problem listed (src/domain/mapping/file.ts; docs/mapping.md). Each message names the file,
 * so the start-up report says which file is wrong and where.
 */
import { readFileSync } from 'node:fs';
import * as t from 'io-ts';
import { parseJsonSafe } from './domain/json';
import { decodeMapping, type Mapping } from './domain/mapping';

const readText = (path: string): { text: string } | { error: string } => {
  try {
    return { text: readFileSync(path, 'utf8').replace(/^\uFEFF/, '') };
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
    return { error: code === 'ENOENT' ? 'no such file' : `cannot be read (${code})` };
  }
};

/** The problems of the mapping file at `path`, or the mapping. */
export const readMappingFile = (
  path: string,
): { readonly ok: true; readonly mapping: Mapping } | { readonly ok: false; readonly errors: readonly string[] } => {
  const read = readText(path);
  if ('error' in read) return { ok: false, errors: [`${path}: ${read.error}`] };
  const parsed = parseJsonSafe(read.text, path);
  if (parsed._tag === 'Left') return { ok: false, errors: [parsed.left.detail ?? `${path}: not JSON`] };
  const decoded = decodeMapping(parsed.right);
  return decoded.ok ? decoded : { ok: false, errors: decoded.errors.map((e) => `${path}: ${e}`) };
};

/** The env key's codec: a path in, the decoded mapping out; one failure per problem of the file. */
export const MappingFile = new t.Type<Mapping, string, unknown>(
  'MappingFile',
  (u): u is Mapping => typeof u === 'object' && u !== null,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'expected the path of a JSON mapping file');
    const read = readMappingFile(u.trim());
    return read.ok ? t.success(read.mapping) : t.failures(read.errors.map((message) => ({ value: u, context: c, message })));
  },
  () => '',
);
