import { generateKeyPairSync } from 'node:crypto';
import { signingKeyFrom, subjectHmac } from '../../activities/crypto';
import { canonicalJson, sha256Hex } from '../../activities/registry/canonical-json';
import { issueCertificate } from '../../activities/registry/certificates';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import { lookupSubject } from '../../activities/registry/lookup';
import { seedRecords } from '../helpers/fixtures';
import { openDatabases, policyIn, testKeys, type Databases } from '../helpers/services';

describe('certificate ledger verification - signatures and chain on a real PostgreSQL', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  const certify = (recordId: string) =>
    issueCertificate(dbs.registry, testKeys.signing, {
      recordId,
      workflowId: `record-${recordId}`,
      runId: 'run-1',
      erasureStartedAt: new Date().toISOString(),
      erasures: [
        {
          system: 'case-admin',
          method: 'sql',
          locations: [`persons/${recordId}`],
          found: { persons: 1 },
          removed: { persons: 1 },
          scope: { removed: ['persons rows deleted'], notReached: ['dead row versions until VACUUM'] },
        },
      ],
      verifications: [
        { system: 'case-admin', verified: true, remaining: { persons: 0 }, checked: ['persons rows counted'], checkedAt: new Date().toISOString() },
      ],
    });

  /** What an insider with database rights could do: edit a row past the append-only trigger. */
  const tamper = async (sequence: number, sql: string, params: unknown[]) => {
    const db = await dbs.registry.connect();
    try {
      await db.query('BEGIN');
      await db.query('ALTER TABLE certificates DISABLE TRIGGER certificates_append_only');
      await db.query(sql, [sequence, ...params]);
      await db.query('ALTER TABLE certificates ENABLE TRIGGER certificates_append_only');
      await db.query('COMMIT');
    } finally {
      db.release();
    }
  };

  it('verifyLedger - an untouched ledger, then one edited row, then an edit with a recomputed hash - names the entry each time', async () => {
    const records = await seedRecords(dbs, policyIn(0, 0), 3);
    const receipts = [];
    for (const r of records) receipts.push(await certify(r.recordId));
    const middle = receipts[1]!;
    const intact = await verifyLedger(dbs.registry);
    expect(intact.firstProblem).toBeUndefined();
    expect(intact.entries).toBeGreaterThanOrEqual(3);
    expect(intact.keyIds).toContain(testKeys.signing.keyId);

    const original = (
      await dbs.registry.query<{ body: unknown; body_sha256: string }>('SELECT body, body_sha256 FROM certificates WHERE sequence = $1', [middle.sequence])
    ).rows[0]!;
    try {
      // A changed count, hash left as it was.
      await tamper(middle.sequence, "UPDATE certificates SET body = jsonb_set(body, '{dossier}', '\"D-OTHER\"') WHERE sequence = $1", []);
      const edited = await verifyLedger(dbs.registry);
      expect(edited.firstProblem).toMatchObject({
        sequence: middle.sequence,
        certificateId: middle.certificateId,
        problem: expect.stringContaining('does not match its hash'),
      });

      // The same edit with the hash recomputed: the signature no longer verifies.
      const changed = (await dbs.registry.query<{ body: Record<string, unknown> }>('SELECT body FROM certificates WHERE sequence = $1', [middle.sequence]))
        .rows[0]!.body;
      await tamper(middle.sequence, 'UPDATE certificates SET body_sha256 = $2 WHERE sequence = $1', [sha256Hex(canonicalJson(changed))]);
      const resigned = await verifyLedger(dbs.registry);
      expect(resigned.firstProblem).toMatchObject({ sequence: middle.sequence, problem: expect.stringContaining('signature by key') });
    } finally {
      await tamper(middle.sequence, 'UPDATE certificates SET body = $2, body_sha256 = $3 WHERE sequence = $1', [
        JSON.stringify(original.body),
        original.body_sha256,
      ]);
    }
    expect((await verifyLedger(dbs.registry)).firstProblem).toBeUndefined();
  });

  it('verifyLedger - with a public key the auditor brings that did not sign - refuses the entries signed by another key', async () => {
    const [record] = await seedRecords(dbs, policyIn(0, 0));
    await certify(record!.recordId);
    const stranger = signingKeyFrom(generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'));
    const result = await verifyLedger(dbs.registry, new Map([[stranger.keyId, stranger.publicKeyPem]]));
    expect(result.firstProblem?.problem).toMatch(/signed with key [0-9a-f]{16}, which is not among the public keys given/);
  });
});

describe('certificates lookup - was this person destroyed, by the keyed hash', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(async () => dbs.close());

  it('lookupSubject - an erased and a not yet erased person, and a stranger - finds each by name and residence, as spelled differently', async () => {
    const [erased, waiting] = await seedRecords(dbs, policyIn(0, 0), 2);
    const receipt = await issueCertificate(dbs.registry, testKeys.signing, {
      recordId: erased!.recordId,
      workflowId: `record-${erased!.recordId}`,
      runId: 'run-1',
      erasureStartedAt: new Date().toISOString(),
      erasures: [
        {
          system: 'case-admin',
          method: 'sql',
          locations: [`persons/${erased!.person.personId}`],
          found: { persons: 1 },
          removed: { persons: 1 },
          scope: { removed: ['persons rows deleted'], notReached: ['dead row versions until VACUUM'] },
        },
      ],
      verifications: [
        { system: 'case-admin', verified: true, remaining: { persons: 0 }, checked: ['persons rows counted'], checkedAt: new Date().toISOString() },
      ],
    });
    const found = await lookupSubject(dbs.registry, testKeys.hmacKey, erased!.person.fullName.toUpperCase(), ` ${erased!.person.residence} `);
    expect(found).toEqual([
      { recordId: erased!.recordId, dossier: erased!.dossier, erasedAt: receipt.issuedAt, certificateId: receipt.certificateId, sequence: receipt.sequence },
    ]);
    expect(await lookupSubject(dbs.registry, testKeys.hmacKey, waiting!.person.fullName, waiting!.person.residence)).toEqual([
      { recordId: waiting!.recordId, dossier: waiting!.dossier },
    ]);
    expect(await lookupSubject(dbs.registry, testKeys.hmacKey, 'Nobody Known', 'Nowhere')).toEqual([]);

    // The certificate names the subject by the keyed hash only.
    const body = JSON.stringify(
      (await dbs.registry.query<{ body: unknown }>('SELECT body FROM certificates WHERE record_id = $1', [erased!.recordId])).rows[0]!.body,
    );
    expect(body).toContain(`"subjectHash":"${subjectHmac(testKeys.hmacKey, erased!.person.fullName, erased!.person.residence)}"`);
    expect(body).not.toContain(erased!.person.fullName);
    expect(body).not.toContain(erased!.person.residence);
  });
});
