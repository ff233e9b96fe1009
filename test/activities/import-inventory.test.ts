import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjectHmac } from '../../activities/crypto';
import { recordSubjectKeys } from '../../activities/matching/subject-keys';
import { importInventory, type ImportStage, type InventoryItem, type NumberedRecord } from '../../activities/registry/import-inventory';
import { storePolicy } from '../../activities/registry/policies';
import { adapterRegistry } from '../../activities/storage/adapter';
import { caseAdminAdapter } from '../../activities/storage/case-admin';
import { documentsAdapter } from '../../activities/storage/documents';
import { InvalidInputError, ProblemCollector } from '../../schemas/errors';
import { seedPerson, testAdapters } from '../helpers/fixtures';
import { openDatabases, policyIn, testKeys, uniqueId, type Databases } from '../helpers/services';

describe('importInventory - against the registry database', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  /** Records of persons that exist in the case administration (seeded once per id). */
  const seeded = new Set<string>();
  async function recordsOf(dossier: string, n: number): Promise<NumberedRecord[]> {
    for (let i = 1; i <= n; i += 1) {
      if (!seeded.has(`${dossier}-P${i}`)) await seedPerson(dbs.caseAdmin, `${dossier}-P${i}`);
      seeded.add(`${dossier}-P${i}`);
    }
    return Array.from({ length: n }, (_, i) => ({
      line: i + 2,
      record: {
        recordId: `${dossier}-R${i + 1}`,
        dossier,
        subjectRef: `${dossier}-P${i + 1}`,
        locations: [{ system: 'case-admin' as const, locator: `persons/${dossier}-P${i + 1}` }],
      },
    }));
  }
  const count = async (dossier: string) =>
    Number((await dbs.registry.query<{ n: string }>('SELECT count(*) AS n FROM records WHERE dossier = $1', [dossier])).rows[0]?.n);
  const batches = async () => Number((await dbs.registry.query<{ n: string }>('SELECT count(*) AS n FROM import_batches')).rows[0]?.n);

  async function importOf(policyVersion: string, records: NumberedRecord[]) {
    return importInventory(dbs.registry, {
      sourceName: 'inventory.csv',
      sourceSha256: 'sha',
      policyVersion,
      records,
      adapters: testAdapters(dbs.caseAdmin),
      hmacKey: testKeys.hmacKey,
    });
  }

  it('imports every record and, imported again, changes nothing', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    await expect(importOf(policy.version, await recordsOf(dossier, 25))).resolves.toMatchObject({ added: 25, unchanged: 0 });
    const batchesBefore = await batches();
    await expect(importOf(policy.version, await recordsOf(dossier, 25))).resolves.toEqual({ added: 0, unchanged: 25 });
    expect(await count(dossier)).toBe(25);
    expect(await batches()).toBe(batchesBefore);
  });

  it('refuses the whole file when one record conflicts with what is stored, naming its line', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    await importOf(policy.version, await recordsOf(dossier, 2));
    const next = await recordsOf(dossier, 5);
    next[1] = { line: 3, record: { ...next[1]!.record, subjectRef: 'someone-else' } };
    const error = await importOf(policy.version, next).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([
      { line: 3, field: 'recordId', message: expect.stringContaining(`was imported before with subjectRef "${dossier}-P2"`) },
    ]);
    expect((error as Error).message).toMatch(/nothing was changed/);
    expect(await count(dossier)).toBe(2);
  });

  it('refuses duplicates, systems without an adapter and malformed locators, all in one report', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    const records = await recordsOf(dossier, 4);
    records[1] = { line: 3, record: { ...records[0]!.record } };
    records[2] = { line: 4, record: { ...records[2]!.record, locations: [{ system: 'documents', locator: 'reports/r.pdf' }] } };
    records[3] = { line: 5, record: { ...records[3]!.record, locations: [{ system: 'case-admin', locator: 'people/17' }] } };
    const error = (await importOf(policy.version, records).catch((err: unknown) => err)) as InvalidInputError;
    expect(error.problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'recordId'],
      [4, 'locations[0].system'],
      [5, 'locations[0].locator'],
    ]);
    expect(error.problems[1]?.message).toContain('no storage adapter for "documents"');
    expect(await count(dossier)).toBe(0);
  });

  it('refuses a record whose location holds nothing, naming the line and the locator', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    const records = await recordsOf(dossier, 3);
    records[2] = { line: 4, record: { ...records[2]!.record, locations: [{ system: 'case-admin', locator: `persons/${dossier}-nobody` }] } };
    const error = (await importOf(policy.version, records).catch((err: unknown) => err)) as InvalidInputError;
    expect(error.problems).toEqual([
      {
        line: 4,
        field: 'locations[0].locator',
        message: `case-admin holds nothing at "persons/${dossier}-nobody"; check the reference (a record is imported only where its data is)`,
      },
    ]);
    expect(await count(dossier)).toBe(0);
  });

  it('refuses an unknown policy version with the command that adds one', async () => {
    const error = await importOf('no-such-policy', await recordsOf(uniqueId('D'), 1)).catch((err: unknown) => err);
    expect((error as Error).message).toContain('erasure policy add');
  });

  it('stores the subject keys of each new record: the exact key in records, the variant keys in subject_keys', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    const [record] = await recordsOf(dossier, 1);
    await importOf(policy.version, [record!]);
    const name = `Fixture Person ${dossier}-P1`;
    const residence = `Fixture Town ${dossier}-P1`;
    const stored = await dbs.registry.query<{ subject_hmac: string }>('SELECT subject_hmac FROM records WHERE record_id = $1', [record!.record.recordId]);
    expect(stored.rows).toEqual([{ subject_hmac: subjectHmac(testKeys.hmacKey, name, residence) }]);
    const keys = await dbs.registry.query<{ key: Buffer }>('SELECT key FROM subject_keys WHERE record_id = $1 ORDER BY key', [record!.record.recordId]);
    const expected = recordSubjectKeys(testKeys.hmacKey, name, residence)
      .variants.map((k) => k.toString('hex'))
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(keys.rows.map((r) => r.key.toString('hex'))).toEqual(expected);
  });

  it('refuses a record whose subject the case administration holds with an unusable name, on its line, without the name', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    const records = await recordsOf(dossier, 3);
    await dbs.caseAdmin.query("UPDATE persons SET full_name = 'G\uFFFDkhan Yilmaz' WHERE id = $1", [`${dossier}-P2`]);
    const error = (await importOf(policy.version, records).catch((err: unknown) => err)) as InvalidInputError;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.problems).toEqual([
      {
        line: 3,
        field: 'subjectRef',
        message: expect.stringContaining(
          `the name the case administration holds for subject "${dossier}-P2" cannot be matched: it holds a replacement character (U+FFFD)`,
        ),
      },
    ]);
    expect(error.message).not.toContain('Yilmaz');
    expect(await count(dossier)).toBe(0);
  });

  it("lists documents locators through symbolic links with their lines, beside the file's other problems", async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    const root = mkdtempSync(join(tmpdir(), 'documents-'));
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    try {
      mkdirSync(join(root, 'reports'));
      writeFileSync(join(root, 'reports', 'real.pdf'), 'report');
      writeFileSync(join(outside, 'secret.pdf'), 'outside the store');
      symlinkSync(join(outside, 'secret.pdf'), join(root, 'reports', 'link.pdf'));
      symlinkSync(outside, join(root, 'elsewhere'));
      const records = await recordsOf(dossier, 5);
      const withDocument = (i: number, locator: string): NumberedRecord => ({
        line: records[i]!.line,
        record: { ...records[i]!.record, locations: [...records[i]!.record.locations, { system: 'documents', locator }] },
      });
      records[0] = withDocument(0, 'reports/real.pdf');
      records[1] = withDocument(1, 'reports/link.pdf');
      records[2] = withDocument(2, 'elsewhere/secret.pdf');
      records[3] = { line: 5, record: { ...records[3]!.record, locations: [{ system: 'case-admin', locator: `persons/${dossier}-nobody` }] } };
      records[4] = { line: 6, record: { ...records[0].record } };
      const error = (await importInventory(dbs.registry, {
        sourceName: 'documents.csv',
        sourceSha256: 'sha',
        policyVersion: policy.version,
        records,
        adapters: adapterRegistry([caseAdminAdapter(dbs.caseAdmin), documentsAdapter(root)]),
        hmacKey: testKeys.hmacKey,
      }).catch((err: unknown) => err)) as InvalidInputError;
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.problems).toEqual([
        { line: 3, field: 'locations[1].locator', message: 'documents locator "reports/link.pdf" is a symbolic link; only real files are erased' },
        {
          line: 4,
          field: 'locations[1].locator',
          message: 'documents locator "elsewhere/secret.pdf" leads outside the store (through a symbolic link); refused',
        },
        { line: 5, field: 'locations[0].locator', message: expect.stringContaining('case-admin holds nothing') },
        { line: 6, field: 'recordId', message: expect.stringContaining('is already on line 2') },
      ]);
      expect(error.message).toMatch(/line 3, locations\[1\]\.locator: documents locator "reports\/link\.pdf" is a symbolic link/);
      expect(await count(dossier)).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('imports 60 000 records streamed one at a time, with progress per stage; one bad row among them refuses them all', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await storePolicy(dbs.registry, policy);
    const dossier = uniqueId('D');
    const n = 60_000;
    await dbs.caseAdmin.query(
      `INSERT INTO persons (id, full_name, residence) SELECT $1 || g, 'Large Person ' || g, 'Large Town' FROM generate_series(1, $2) g`,
      [`${dossier}-P`, n],
    );
    async function* file(bad?: number): AsyncGenerator<InventoryItem> {
      for (let i = 1; i <= n; i += 1) {
        if (i === bad) yield { problem: { line: i + 1, field: 'subjectRef', message: 'a problem the reader found' } };
        else
          yield {
            line: i + 1,
            record: {
              recordId: `${dossier}-R${i}`,
              dossier,
              subjectRef: `${dossier}-P${i}`,
              locations: [{ system: 'case-admin', locator: `persons/${dossier}-P${i}` }],
            },
          };
        if (i % 10_000 === 0) await Promise.resolve();
      }
    }
    const request = (bad?: number) => ({
      sourceName: 'large.csv',
      sourceSha256: () => 'sha',
      policyVersion: policy.version,
      adapters: testAdapters(dbs.caseAdmin),
      hmacKey: testKeys.hmacKey,
      records: file(bad),
    });

    const problems = new ProblemCollector();
    const refusal = (await importInventory(dbs.registry, { ...request(n - 7), problems }).catch((err: unknown) => err)) as InvalidInputError;
    expect(refusal.problems).toEqual([{ line: n - 6, field: 'subjectRef', message: 'a problem the reader found' }]);
    expect(await count(dossier)).toBe(0);

    const stages = new Map<ImportStage, number>();
    const summary = await importInventory(dbs.registry, {
      ...request(),
      onProgress: (stage, done) => stages.set(stage, Math.max(done, stages.get(stage) ?? 0)),
    });
    expect(summary).toMatchObject({ added: n, unchanged: 0 });
    expect(Object.fromEntries(stages)).toEqual({ read: n, located: n, keyed: n, imported: n });
    expect(await count(dossier)).toBe(n);
    const keyed = await dbs.registry.query<{ n: number }>('SELECT count(DISTINCT record_id)::int AS n FROM subject_keys WHERE record_id LIKE $1', [
      `${dossier}-%`,
    ]);
    expect(keyed.rows[0]?.n).toBe(n);
  });
});
