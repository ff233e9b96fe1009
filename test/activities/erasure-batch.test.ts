import { isolating } from '../../activities/erasure-batch';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import type { ErasureOrder } from '../../schemas/erasure-order';
import { certificatesFor, personRows, seedRecords } from '../helpers/fixtures';
import { openDatabases, policyIn, uniqueId, type Databases } from '../helpers/services';
import { realActivities } from '../helpers/worker';

const orderOf = (recordId: string): ErasureOrder => ({
  recordId,
  systems: ['case-admin'],
  workflowId: `record-${recordId}`,
  runId: 'run-batch-test',
  erasureStartedAt: new Date().toISOString(),
  decisionRefs: [],
  ticket: uniqueId('ticket'),
});

describe('batched erasure - a purge batch against a real PostgreSQL', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  it('isolating - one id makes the work fail - splits until it is alone, the others go through', async () => {
    const calls: string[][] = [];
    const failed = new Map<string, { reason: string; retryable: boolean }>();
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const done = await isolating(
      ids,
      async (part) => {
        calls.push([...part]);
        if (part.includes('d')) throw new Error('d cannot be erased');
        return new Map(part.map((id) => [id, id.toUpperCase()]));
      },
      failed,
    );
    expect([...done.keys()].sort()).toEqual(['a', 'b', 'c', 'e']);
    expect([...failed]).toEqual([['d', { reason: 'd cannot be erased', retryable: true }]]);
    // All five, then halves: [a b c] passes, [d e] fails, then [d] alone fails and [e] passes.
    expect(calls).toEqual([ids, ['a', 'b', 'c'], ['d', 'e'], ['d'], ['e']]);
  });

  it('eraseBatch - five records, one whose rows the database refuses to delete - four erased and certified in chain order in one pass, one alone with its reason', async () => {
    const records = await seedRecords(dbs, policyIn(-2_000, -1_000), 5);
    const refused = records[2]!;
    const fn = `refuse_${refused.person.personId.replace(/[^A-Za-z0-9]/g, '_').toLowerCase()}`;
    // A trigger stands in for a row the source system will not let go (a lock, a constraint of its own).
    await dbs.caseAdmin.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger AS $$ BEGIN IF OLD.id = '${refused.person.personId}' THEN RAISE EXCEPTION 'kept'; END IF; RETURN OLD; END $$ LANGUAGE plpgsql`,
    );
    await dbs.caseAdmin.query(`CREATE TRIGGER ${fn} BEFORE DELETE ON persons FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const activities = realActivities(dbs);
      const outcomes = await activities.eraseBatch(records.map((r) => orderOf(r.recordId)));
      expect(outcomes.map((o) => ('erased' in o ? 'erased' : o.failed))).toEqual([
        'erased',
        'erased',
        expect.stringContaining('database error SQLSTATE P0001'),
        'erased',
        'erased',
      ]);
      // The database's own text (which may quote values) stays in the worker's log.
      expect(outcomes[2]).not.toHaveProperty('failed', expect.stringContaining('kept'));
      expect((await personRows(dbs.caseAdmin, refused.person.personId)).persons).toBe(1);
      const erased = records.filter((r) => r !== refused);
      for (const r of erased)
        expect(await personRows(dbs.caseAdmin, r.person.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
      // One ledger transaction: consecutive entries in the batch's order, each with its own counts.
      const receipts = outcomes.flatMap((o) => ('erased' in o ? [o.erased] : []));
      const sequences = receipts.map((r) => r.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => (sequences[0] as number) + i));
      for (const r of erased) {
        const [certificate] = await certificatesFor(dbs.registry, r.recordId);
        const body = (typeof certificate?.body === 'string' ? JSON.parse(certificate.body) : certificate?.body) as {
          systems: { found: object; removed: object }[];
          performedBy: { batch: number };
        };
        expect(body.systems[0]).toMatchObject({ found: { persons: 1, notes: 2 }, removed: { persons: 1, notes: 2, note_sources: 2, person_organisations: 1 } });
        expect(body.performedBy.batch).toBe(5);
      }
      expect(await certificatesFor(dbs.registry, refused.recordId)).toEqual([]);
      expect((await verifyLedger(dbs.registry)).firstProblem).toBeUndefined();

      // Asked again (a retried batch): the same certificates, none added, nothing removed twice.
      const again = await activities.eraseBatch(erased.map((r) => orderOf(r.recordId)));
      expect(again.map((o) => ('erased' in o ? o.erased.certificateId : o.failed))).toEqual(
        outcomes.filter((o) => 'erased' in o).map((o) => ('erased' in o ? o.erased.certificateId : '')),
      );
      for (const r of erased) expect(await certificatesFor(dbs.registry, r.recordId)).toHaveLength(1);
    } finally {
      await dbs.caseAdmin.query(`DROP TRIGGER ${fn} ON persons`);
      await dbs.caseAdmin.query(`DROP FUNCTION ${fn}()`);
    }
  });
});
