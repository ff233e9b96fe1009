import { issueCertificate } from '../../activities/registry/certificates';
import { reconcilePage } from '../../activities/registry/reconcile';
import { caseAdminAdapter } from '../../activities/storage/case-admin';
import { personRows, seedRecords, testAdapters } from '../helpers/fixtures';
import { openDatabases, policyIn, testKeys, type Databases } from '../helpers/services';

describe('reconciliation - certified erasures re-checked against the case administration', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  it('reconcilePage - a person row restored after erasure - is found, erased again, flagged, and not found twice', async () => {
    const records = await seedRecords(dbs, policyIn(-2_000, -1_000), 3);
    const adapter = caseAdminAdapter(dbs.caseAdmin);
    for (const r of records) {
      const erasure = await adapter.erase([`persons/${r.person.personId}`]);
      const verification = await adapter.verifyErased([`persons/${r.person.personId}`]);
      await issueCertificate(dbs.registry, testKeys.signing, {
        recordId: r.recordId,
        workflowId: `record-${r.recordId}`,
        runId: 'run',
        erasureStartedAt: new Date().toISOString(),
        erasures: [{ ...erasure, found: erasure.removed }],
        verifications: [verification],
      });
    }
    // A backup restore brings one person back.
    const back = records[1]!;
    await dbs.caseAdmin.query("INSERT INTO persons (id, full_name, residence) VALUES ($1, 'Restored Row', 'Restored Town')", [back.person.personId]);

    const request = { runRef: 'test-run', limit: 2, dossier: back.dossier };
    const first = await reconcilePage(dbs.registry, testAdapters(dbs.caseAdmin), request);
    const second = await reconcilePage(dbs.registry, testAdapters(dbs.caseAdmin), { ...request, afterRecordId: first.nextCursor });
    expect([first.checked, second.checked, second.nextCursor]).toEqual([2, 1, undefined]);
    expect([...first.resurrected, ...second.resurrected]).toEqual([
      { recordId: back.recordId, system: 'case-admin', found: { note_sources: 0, notes: 0, person_organisations: 0, persons: 1 }, verified: true },
    ]);
    expect((await personRows(dbs.caseAdmin, back.person.personId)).persons).toBe(0);
    const flagged = await dbs.registry.query<{ record_id: string }>('SELECT record_id FROM records WHERE dossier = $1 AND resurrected_at IS NOT NULL', [
      back.dossier,
    ]);
    expect(flagged.rows).toEqual([{ record_id: back.recordId }]);
    const logged = await dbs.registry.query<{ run_ref: string; removed: Record<string, number> }>(
      'SELECT run_ref, removed FROM resurrections WHERE record_id = $1',
      [back.recordId],
    );
    expect(logged.rows).toEqual([{ run_ref: 'test-run', removed: { note_sources: 0, notes: 0, person_organisations: 0, persons: 1 } }]);

    const again = await reconcilePage(dbs.registry, testAdapters(dbs.caseAdmin), { ...request, limit: 10 });
    expect(again).toEqual({ checked: 3, scanned: 3, resurrected: [] });
  });
});
