import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { importInventory } from '../../activities/registry/import-inventory';
import { readInventory } from '../../cli/inventory-file';
import { InvalidInputError } from '../../schemas/errors';
import type { Policy } from '../../schemas/policy';
import { seedPerson, seedRecords, testAdapters } from '../helpers/fixtures';
import {
  csvCells,
  csvColumns,
  csvFile,
  fuzzSettings,
  jsonFile,
  locatorRefusedByAdapter,
  parseRowMutation,
  unclearProblem,
  validRow,
  type Row,
} from '../helpers/hostile';
import { openDatabases, policyIn, testKeys, uniqueId, type Databases } from '../helpers/services';

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

/** What a hostile row is built from: the file's first valid row, a prefix of this case's ids, a record already imported. */
interface Context {
  readonly first: Row;
  readonly prefix: string;
  readonly existingRecordId: string;
}

/** A hostile change that only the import (adapters, registry) can refuse: the schema lets it through. */
interface ImportMutation {
  readonly kind: string;
  readonly field: string;
  /** A repeat of the first valid row: the problem is reported on the later line, so it goes after it. */
  readonly repeatsFirst?: boolean;
  apply(row: Row, ctx: Context): Row;
}

const location = (row: Row) => (row.locations as { system: string; locator: string }[])[0] as { system: string; locator: string };

const importMutation: fc.Arbitrary<ImportMutation> = fc.oneof(
  locatorRefusedByAdapter.map((h) => ({
    kind: `locator: ${h.kind} ${JSON.stringify(h.value)}`,
    field: 'locations[0].locator',
    apply: (row: Row) => ({ ...row, locations: [{ system: 'case-admin', locator: h.value }] }),
  })),
  fc.constantFrom('documents', 'mailbox', 'backups').map((system) => ({
    kind: `system without an adapter: ${system}`,
    field: 'locations[0].system',
    apply: (row: Row) => ({ ...row, locations: [{ ...location(row), system }] }),
  })),
  fc.constant({
    kind: 'locator of a person who does not exist',
    field: 'locations[0].locator',
    apply: (row: Row, ctx: Context) => ({ ...row, locations: [{ system: 'case-admin', locator: `persons/${ctx.prefix}-nobody` }] }),
  }),
  fc.constant({
    kind: 'duplicate record id',
    field: 'recordId',
    repeatsFirst: true,
    apply: (row: Row, ctx: Context) => ({ ...row, recordId: ctx.first.recordId }),
  }),
  fc.constant({ kind: 'duplicate row', field: 'recordId', repeatsFirst: true, apply: (_row: Row, ctx: Context) => ({ ...ctx.first }) }),
  fc.constant({ kind: 'location listed twice', field: 'locations[1]', apply: (row: Row) => ({ ...row, locations: [location(row), location(row)] }) }),
  fc.constant({
    kind: 'record id imported before with other content',
    field: 'recordId',
    apply: (row: Row, ctx: Context) => ({ ...row, recordId: ctx.existingRecordId }),
  }),
);

type Hostile =
  { readonly layer: 'parse'; readonly kind: string; readonly field: string; apply(row: Row): unknown } | ({ readonly layer: 'import' } & ImportMutation);

const hostile = (csv: boolean): fc.Arbitrary<Hostile> =>
  fc.oneof(
    (csv ? parseRowMutation.filter((m) => m.csv) : parseRowMutation).map((m): Hostile => ({
      layer: 'parse',
      kind: m.kind,
      field: m.field,
      apply: (row) => m.apply(row),
    })),
    importMutation.map((m): Hostile => ({ layer: 'import', ...m })),
  );

/** A file: its format, how many valid rows, and hostile rows placed among them (at least one). */
const file = fc.boolean().chain((csv) =>
  fc.record({
    csv: fc.constant(csv),
    valid: fc.integer({ min: 1, max: 3 }),
    hostile: fc.array(fc.tuple(hostile(csv), fc.nat()), { minLength: 1, maxLength: 3 }),
    pretty: fc.boolean(),
  }),
);

describe('importInventory - hostile files (property-based, against the registry database)', () => {
  let dbs: Databases;
  let policy: Policy;
  let existing: { recordId: string; dossier: string; subjectRef: string };
  const tally = { tried: 0, refused: 0, accepted: 0, parse: 0, import: 0 };

  beforeAll(async () => {
    dbs = openDatabases();
    policy = policyIn(3_600_000, 7_200_000);
    const [seeded] = await seedRecords(dbs, policy, 1);
    existing = { recordId: seeded!.recordId, dossier: seeded!.dossier, subjectRef: seeded!.person.personId };
  });
  afterAll(async () => {
    console.log(
      `fuzz inventory import: ${tally.tried} files tried (${tally.parse} hostile rows refused by the parser, ${tally.import} by the import), ` +
        `${tally.refused} refused whole with nothing imported, ${tally.accepted} accepted`,
    );
    await dbs.close();
  });

  const count = async (sql: string, params: unknown[]) => Number((await dbs.registry.query<{ n: string }>(sql, params)).rows[0]?.n);
  const batches = () => count('SELECT count(*) AS n FROM import_batches', []);

  const importFile = (name: string, text: string, csv: boolean) =>
    importInventory(dbs.registry, {
      sourceName: name,
      sourceSha256: createHash('sha256').update(text).digest('hex'),
      policyVersion: policy.version,
      records: readInventory(once(text), csv ? 'csv' : 'json').items,
      adapters: testAdapters(dbs.caseAdmin),
      hmacKey: testKeys.hmacKey,
    });

  it('refuses a file with any hostile row whole, naming each line and field, imports nothing and adds no batch', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ csv, valid, hostile: hostileRows, pretty }) => {
        tally.tried += 1;
        const prefix = uniqueId('F');
        const dossier = `${prefix}-D`;
        const validRows: Row[] = [];
        for (let i = 0; i < valid; i += 1) {
          await seedPerson(dbs.caseAdmin, `${prefix}-P${i}`);
          validRows.push(validRow(`${prefix}-R${i}`, dossier, `${prefix}-P${i}`));
        }
        const ctx: Context = { first: validRows[0]!, prefix, existingRecordId: existing.recordId };
        // Hostile rows start from a valid, importable row of their own.
        const rows: { row: unknown; hostile?: Hostile }[] = validRows.map((row) => ({ row }));
        hostileRows.forEach(([h, at], j) => {
          const base = validRow(`${prefix}-H${j}`, dossier, `${prefix}-P0`);
          const after = h.layer === 'import' && h.repeatsFirst ? rows.findIndex((r) => r.row === ctx.first) + 1 : 0;
          rows.splice(after + (at % (rows.length + 1 - after)), 0, { row: h.layer === 'parse' ? h.apply(base) : h.apply(base, ctx), hostile: h });
        });
        const order = [...csvColumns];
        const { text, lines } = csv
          ? csvFile(
              rows.map(({ row }) => csvCells(row, order) ?? []),
              order,
              pretty,
              '\n',
            )
          : jsonFile(
              rows.map(({ row }) => row),
              pretty,
            );

        const batchesBefore = await batches();
        const error = await importFile(`fuzz.${csv ? 'csv' : 'json'}`, text, csv).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (!(error instanceof InvalidInputError)) {
          tally.accepted += 1;
          throw new Error(`not refused with InvalidInputError (${rows.flatMap((r) => (r.hostile ? [r.hostile.kind] : [])).join('; ')}): ${String(error)}`);
        }
        expect(error.code).toBe('INVALID_INPUT');
        expect(error.message).toContain('nothing was changed');
        rows.forEach(({ hostile: h }, i) => {
          if (!h) return;
          const mine = error.problems.filter((p) => p.line === lines[i]);
          if (!mine.some((p) => p.field.startsWith(h.field))) {
            throw new Error(`line ${lines[i]} (${h.kind}): no problem naming ${h.field || 'the entry'}; got ${JSON.stringify(mine).slice(0, 500)}`);
          }
          tally[h.layer] += 1;
        });
        for (const p of error.problems) expect(unclearProblem(p)).toBeUndefined();

        // Nothing of the file is in the registry, and no batch was added.
        const ids = rows.flatMap(({ row }) => {
          const id = (row as Partial<Row> | null)?.recordId;
          return typeof id === 'string' && id.length < 1000 && !id.includes('\u0000') && id !== existing.recordId ? [id] : [];
        });
        expect(
          await count('SELECT count(*) AS n FROM records WHERE dossier = $1 OR record_id LIKE $2 OR record_id = ANY($3)', [dossier, `${prefix}-%`, ids]),
        ).toBe(0);
        expect(await count('SELECT count(*) AS n FROM record_locations WHERE record_id LIKE $1 OR locator LIKE $2', [`${prefix}-%`, `%${prefix}-%`])).toBe(0);
        expect(
          await count('SELECT count(*) AS n FROM records WHERE record_id = $1 AND dossier = $2 AND subject_ref = $3', [
            existing.recordId,
            existing.dossier,
            existing.subjectRef,
          ]),
        ).toBe(1);
        expect(await batches()).toBe(batchesBefore);
        tally.refused += 1;

        // Without its hostile rows the same file imports: the refusal was theirs.
        const clean = rows.filter((r) => !r.hostile).map(({ row }) => row);
        const cleanText = csv
          ? csvFile(
              clean.map((row) => csvCells(row, order) ?? []),
              order,
              pretty,
              '\n',
            ).text
          : jsonFile(clean, pretty).text;
        await expect(importFile('fuzz-clean', cleanText, csv)).resolves.toMatchObject({ added: valid, unchanged: 0 });
      }),
      fuzzSettings(60),
    );
  });
});
