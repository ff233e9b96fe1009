import { issueCertificate } from '../../activities/registry/certificates';
import { caseAdminAdapter } from '../../activities/storage/case-admin';
import { certificatesFor, personRows, seedPerson, seedRecords } from '../helpers/fixtures';
import { openDatabases, policyIn, testKeys, type Databases } from '../helpers/services';

describe('case-admin adapter - against a real PostgreSQL', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  it('erases a person and every dependent row in one go, and erasing again is a success with nothing removed', async () => {
    const person = await seedPerson(dbs.caseAdmin);
    const other = await seedPerson(dbs.caseAdmin);
    const adapter = caseAdminAdapter(dbs.caseAdmin);
    const locators = [`persons/${person.personId}`];

    expect((await adapter.locate(locators)).present).toEqual({ note_sources: 2, notes: 2, person_organisations: 1, persons: 1 });
    const first = await adapter.erase(locators);
    expect(first.removed).toEqual({ note_sources: 2, notes: 2, person_organisations: 1, persons: 1 });
    expect(await personRows(dbs.caseAdmin, person.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });

    const again = await adapter.erase(locators);
    expect(again.removed).toEqual({ note_sources: 0, notes: 0, person_organisations: 0, persons: 0 });
    await expect(adapter.verifyErased(locators)).resolves.toMatchObject({ verified: true });
    expect((await personRows(dbs.caseAdmin, other.personId)).persons).toBe(1);
  });

  it('verification reports what is left', async () => {
    const person = await seedPerson(dbs.caseAdmin);
    const result = await caseAdminAdapter(dbs.caseAdmin).verifyErased([`persons/${person.personId}`]);
    expect(result).toMatchObject({ verified: false, remaining: { persons: 1, notes: 2 } });
  });
});

describe('certificate ledger', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  const input = (recordId: string) => ({
    recordId,
    workflowId: `record-${recordId}`,
    runId: 'run-1',
    erasureStartedAt: new Date().toISOString(),
    erasures: [
      {
        system: 'case-admin' as const,
        method: 'sql',
        locations: ['persons/x'],
        found: { persons: 1 },
        removed: { persons: 1 },
        scope: { removed: ['persons rows deleted'], notReached: ['dead row versions until VACUUM'] },
      },
    ],
    verifications: [
      { system: 'case-admin' as const, verified: true, remaining: { persons: 0 }, checked: ['persons rows counted'], checkedAt: new Date().toISOString() },
    ],
  });

  it('writes one certificate per record however often it is asked, chained to the entry before', async () => {
    const [a, b] = await seedRecords(dbs, policyIn(-2000, -1000), 2);
    const first = await issueCertificate(dbs.registry, testKeys.signing, input(a!.recordId));
    const repeated = await Promise.all([1, 2, 3].map(() => issueCertificate(dbs.registry, testKeys.signing, input(a!.recordId))));
    expect(first.created).toBe(true);
    expect(repeated.map((r) => [r.certificateId, r.created])).toEqual(Array(3).fill([first.certificateId, false]));
    expect(await certificatesFor(dbs.registry, a!.recordId)).toHaveLength(1);

    const second = await issueCertificate(dbs.registry, testKeys.signing, input(b!.recordId));
    const [row] = await certificatesFor(dbs.registry, b!.recordId);
    expect(second.sequence).toBeGreaterThan(first.sequence);
    expect(row?.body).toMatchObject({ recordId: b!.recordId, dossier: b!.dossier, previousHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const erased = await dbs.registry.query<{ erased_at: Date | null }>('SELECT erased_at FROM records WHERE record_id = $1', [b!.recordId]);
    expect(erased.rows[0]?.erased_at).toBeInstanceOf(Date);
  });

  it('refuses to change or delete a ledger entry', async () => {
    const [a] = await seedRecords(dbs, policyIn(-2000, -1000), 1);
    await issueCertificate(dbs.registry, testKeys.signing, input(a!.recordId));
    await expect(dbs.registry.query("UPDATE certificates SET body_sha256 = 'x' WHERE record_id = $1", [a!.recordId])).rejects.toThrow(/append-only/);
    await expect(dbs.registry.query('DELETE FROM certificates WHERE record_id = $1', [a!.recordId])).rejects.toThrow(/append-only/);
  });
});
