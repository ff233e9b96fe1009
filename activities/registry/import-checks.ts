import type { PoolClient, QueryResultRow } from 'pg';
import type { InputProblem, ProblemSink } from '../../schemas/errors';
import type { StorageSystem } from '../../schemas/inventory';
import { identifierProblem } from '../matching/fold';
import { recordSubjectKeys } from '../matching/subject-keys';
import type { AdapterRegistry } from '../storage/adapter';

export const PAGE = 5000;

let cursors = 0;

/** Rows of a query in pages, through a server-side cursor: the result is never all in memory. */
export async function* pages<R extends QueryResultRow>(db: PoolClient, sql: string, params: unknown[] = [], size = PAGE): AsyncGenerator<R[]> {
  cursors += 1;
  const name = `import_cursor_${cursors}`;
  await db.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
  try {
    for (;;) {
      const { rows } = await db.query<R>(`FETCH ${size} FROM ${name}`);
      if (rows.length === 0) return;
      yield rows;
    }
  } finally {
    await db.query(`CLOSE ${name}`);
  }
}

/** A record id listed more than once: reported on every later line. */
export async function findDuplicates(db: PoolClient, problems: ProblemSink): Promise<void> {
  const sql = `SELECT line, record_id, first_line FROM (
                 SELECT ord, line, record_id, min(line) OVER (PARTITION BY record_id) AS first_line,
                        row_number() OVER (PARTITION BY record_id ORDER BY ord) AS n
                   FROM import_rows) d
                WHERE n > 1 ORDER BY ord`;
  for await (const rows of pages<{ line: number; record_id: string; first_line: number }>(db, sql)) {
    for (const r of rows)
      problems.add({ line: r.line, field: 'recordId', message: `"${r.record_id}" is already on line ${r.first_line}; each record may appear once` });
  }
}

/**
 * New records must point at data that exists: a location that holds nothing is a mistake
 * in the inventory, and erasing it would certify the destruction of nothing. A location
 * the system refuses (a documents path through a symbolic link) is listed the same way,
 * with its line, beside the file's other problems.
 */
export async function findUnlocatable(
  db: PoolClient,
  adapters: AdapterRegistry,
  problems: ProblemSink,
  progress: (done: number, total: number) => void,
): Promise<void> {
  const { rows: counted } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM import_locations l JOIN import_rows r USING (ord) WHERE r.fresh AND l.checkable',
  );
  const total = counted[0]?.n ?? 0;
  let done = 0;
  const sql = `SELECT l.ord, l.idx, r.line, l.system, l.locator FROM import_locations l JOIN import_rows r USING (ord)
                WHERE r.fresh AND l.checkable ORDER BY l.ord, l.idx`;
  for await (const rows of pages<{ ord: number; idx: number; line: number; system: StorageSystem; locator: string }>(db, sql)) {
    const found: { ord: number; idx: number; problem: InputProblem }[] = [];
    for (const [system, adapter] of adapters) {
      const wanted = rows.filter((r) => r.system === system);
      if (wanted.length === 0) continue;
      const refused = (await adapter.refusedLocators?.(wanted.map((w) => w.locator))) ?? new Map<string, string>();
      const lookable = wanted.filter((w) => !refused.has(w.locator));
      const missing = new Set(lookable.length ? await adapter.findMissing(lookable.map((w) => w.locator)) : []);
      for (const w of wanted) {
        const field = `locations[${w.idx}].locator`;
        const reason = refused.get(w.locator);
        if (reason) found.push({ ord: w.ord, idx: w.idx, problem: { line: w.line, field, message: reason } });
        else if (missing.has(w.locator)) {
          found.push({
            ord: w.ord,
            idx: w.idx,
            problem: {
              line: w.line,
              field,
              message: `${system} holds nothing at "${w.locator}"; check the reference (a record is imported only where its data is)`,
            },
          });
        }
      }
    }
    found.sort((a, b) => a.ord - b.ord || a.idx - b.idx);
    for (const f of found) problems.add(f.problem);
    done += rows.length;
    progress(done, total);
  }
}

const holderName: Partial<Record<StorageSystem, string>> = { 'case-admin': 'the case administration' };

interface KeyedRow {
  ord: number;
  line: number;
  subject_ref: string;
  system: StorageSystem;
  locator: string;
}

/**
 * The subject keys of each new record (the exact key for `records.subject_hmac`, the
 * variant keys for `subject_keys`), from the first system that knows the subject's name
 * and residence, staged in `import_hmacs` and `import_keys`. The clear identifiers stay
 * in this function's memory, a page at a time. A name or residence that cannot be
 * matched (see fold.ts) refuses the record: it would never be found by an inquiry.
 */
export async function stageSubjectKeys(
  db: PoolClient,
  adapters: AdapterRegistry,
  hmacKey: Buffer,
  problems: ProblemSink,
  progress: (done: number, total: number) => void,
): Promise<void> {
  const { rows: counted } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_rows WHERE fresh');
  const total = counted[0]?.n ?? 0;
  let done = 0;
  const holders = [...adapters].filter(([, a]) => a.subjects !== undefined);
  const sql = `SELECT r.ord, r.line, r.subject_ref, l.system, l.locator FROM import_rows r JOIN import_locations l USING (ord)
                WHERE r.fresh AND l.system = ANY($1) ORDER BY r.ord, l.idx`;
  let carried: KeyedRow[] = [];
  const keyPage = async (rows: KeyedRow[]) => {
    const records = new Map<number, KeyedRow[]>();
    for (const r of rows) records.set(r.ord, [...(records.get(r.ord) ?? []), r]);
    const hmacs = { ord: [] as number[], hmac: [] as string[] };
    const keys = { ord: [] as number[], key: [] as Buffer[] };
    const pending = new Map(records);
    for (const [system, adapter] of holders) {
      const wanted = [...pending].flatMap(([ord, ls]) => {
        const l = ls.find((x) => x.system === system);
        return l ? [{ ord, row: l }] : [];
      });
      if (wanted.length === 0) continue;
      const subjects = (await adapter.subjects?.(wanted.map((w) => w.row.locator))) ?? new Map<string, never>();
      for (const { ord, row } of wanted) {
        const subject = subjects.get(row.locator);
        if (!subject) continue;
        pending.delete(ord);
        const unusable = (['name', 'residence'] as const).flatMap((part) => {
          const why = identifierProblem(subject[part]);
          return why ? [`the ${part} ${holderName[system] ?? system} holds for subject "${row.subject_ref}" cannot be matched: it ${why}`] : [];
        });
        if (unusable.length) {
          for (const message of unusable) problems.add({ line: row.line, field: 'subjectRef', message });
          continue;
        }
        const keyed = recordSubjectKeys(hmacKey, subject.name, subject.residence);
        hmacs.ord.push(ord);
        hmacs.hmac.push(keyed.exact);
        for (const key of keyed.variants) {
          keys.ord.push(ord);
          keys.key.push(key);
        }
      }
    }
    await db.query('INSERT INTO import_hmacs (ord, subject_hmac) SELECT * FROM unnest($1::int[], $2::text[])', [hmacs.ord, hmacs.hmac]);
    await db.query('INSERT INTO import_keys (ord, key) SELECT * FROM unnest($1::int[], $2::bytea[])', [keys.ord, keys.key]);
    done += records.size;
    progress(done, total);
  };
  for await (const rows of pages<KeyedRow>(db, sql, [holders.map(([s]) => s)])) {
    // A record's locations may straddle two pages: the last record's rows wait for the next one.
    const all = [...carried, ...rows];
    const lastOrd = (all.at(-1) as KeyedRow).ord;
    let cut = all.length;
    while (cut > 0 && (all[cut - 1] as KeyedRow).ord === lastOrd) cut -= 1;
    carried = all.slice(cut);
    if (cut > 0) await keyPage(all.slice(0, cut));
  }
  if (carried.length) await keyPage(carried);
  await db.query('CREATE INDEX ON import_hmacs (ord); CREATE INDEX ON import_keys (ord); ANALYZE import_hmacs; ANALYZE import_keys;');
}

/**
 * New records whose subject was erased before (their keyed hash is on the suppression
 * list): the data came back from somewhere, and importing it would start it over silently.
 */
export async function findSuppressed(db: PoolClient, problems: ProblemSink): Promise<void> {
  const sql = `SELECT r.line, r.record_id, s.certificate_id, s.suppressed_at
                 FROM import_hmacs h JOIN suppressed_subjects s USING (subject_hmac) JOIN import_rows r USING (ord)
                ORDER BY h.ord`;
  for await (const rows of pages<{ line: number; record_id: string; certificate_id: string; suppressed_at: Date }>(db, sql)) {
    for (const hit of rows) {
      problems.add({
        line: hit.line,
        field: 'subjectRef',
        message:
          `the subject of "${hit.record_id}" was erased on ${hit.suppressed_at.toISOString()} (certificate ${hit.certificate_id}) and is on the suppression list; ` +
          'their data is back where it should not be: erase it (`erasure backup check --erase --as <privacy-officer>`), do not import it again',
      });
    }
  }
}
