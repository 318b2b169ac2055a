/**
 * The transcript notes of a batch: updated in place when their id is known, else found among
 * the notes of the record by their title line (which protects against a crash between a create
 * and the storing of its id: the next delivery has no `previous`), else created with their
 * associations inline. One call per kind, whatever the number of inputs.
 */
import type { BatchTarget } from './batch-calls';
import { BATCH_MAX } from './batch-calls';
import { isNoteOf, toNoteProperties } from './mappers';
import { failAll, guard, live, unique, type Item, type Run } from './batch-steps';

export interface NoteWanted {
  readonly item: Item;
  /** The note to update, if one is known. */
  readonly known: string | undefined;
  /** Where a new note goes (a note without associations is invisible in HubSpot's UI). */
  readonly to: readonly BatchTarget[];
}

const chunks = <A>(xs: readonly A[], size: number): A[][] =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, n) => xs.slice(n * size, (n + 1) * size));

/**
 * Our note among each input's candidate notes (the notes of its contact or ticket), by the
 * conversation named in its title line: index → note id. Bodies are read 100 ids a call.
 */
export const findNotes = async (run: Run, candidates: readonly { readonly item: Item; readonly noteIds: readonly string[] }[]) => {
  const found = new Map<number, string>();
  const wanted = candidates.filter((c) => c.noteIds.length > 0);
  const ids = unique(wanted.flatMap((c) => c.noteIds));
  if (ids.length === 0) return found;
  const items = wanted.map((c) => c.item);
  const read = await Promise.all(
    chunks(ids, BATCH_MAX).map((chunk) =>
      guard(run, items, 'batch read notes', () => run.calls.batchRead('notes', chunk, ['hs_note_body'])),
    ),
  );
  const bodies = new Map(read.flatMap((objects) => (objects ?? []).map((o) => [o.id, o.properties.hs_note_body ?? ''] as const)));
  for (const { item, noteIds } of wanted) {
    const mine = noteIds.find((id) => isNoteOf(bodies.get(id) ?? '', item.c));
    if (mine !== undefined) found.set(item.index, mine);
  }
  return found;
};

const createNotes = async (run: Run, wanted: readonly NoteWanted[], out: Map<number, string>): Promise<void> => {
  const inputs = live(
    run,
    wanted.map((w) => w.item),
  ).map((item) => {
    const w = wanted.find((x) => x.item === item);
    return { item, traceId: String(item.index), properties: toNoteProperties(item.c, run.now()), to: w?.to ?? [] };
  });
  if (inputs.length === 0) return;
  const written = await guard(
    run,
    inputs.map((i) => i.item),
    'batch create notes',
    () => run.calls.batchCreate('notes', inputs),
  );
  if (written === undefined) return;
  for (const i of inputs) {
    const id = written.done.get(i.traceId);
    if (id !== undefined) out.set(i.item.index, id);
    else failAll(run, [i.item], written.refused.get(i.traceId), 'note create');
  }
};

/** Writes every wanted note: index → its id. A known note that is gone is made again. */
export const writeNotes = async (run: Run, wanted: readonly NoteWanted[]): Promise<Map<number, string>> => {
  const out = new Map<number, string>();
  const updates = wanted.flatMap((w) => (w.known === undefined ? [] : [{ ...w, known: w.known }]));
  const [written] = await Promise.all([
    guard(
      run,
      updates.map((u) => u.item),
      'batch update notes',
      () =>
        run.calls.batchUpdate(
          'notes',
          updates.map((u) => ({ id: u.known, properties: toNoteProperties(u.item.c, run.now()) })),
        ),
    ),
    createNotes(
      run,
      wanted.filter((w) => w.known === undefined),
      out,
    ),
  ]);
  const gone: NoteWanted[] = [];
  if (written !== undefined)
    for (const u of updates) {
      if (written.done.has(u.known)) out.set(u.item.index, u.known);
      else if (written.missing.has(u.known)) gone.push({ ...u, known: undefined });
      else failAll(run, [u.item], written.refused.get(u.known), 'note update');
    }
  await createNotes(run, gone, out);
  return out;
};
