import { importInventory, type NumberedRecord } from '../../activities/registry/import-inventory';
import { storePolicy } from '../../activities/registry/policies';
import { InvalidInputError } from '../../schemas/errors';
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
      { line: 4, field: 'locations[0].locator', message: `case-admin holds nothing at "persons/${dossier}-nobody"; check the reference (a record is imported only where its data is)` },
    ]);
    expect(await count(dossier)).toBe(0);
  });

  it('refuses an unknown policy version with the command that adds one', async () => {
    const error = await importOf('no-such-policy', await recordsOf(uniqueId('D'), 1)).catch((err: unknown) => err);
    expect((error as Error).message).toContain('erasure policy add');
  });
});
