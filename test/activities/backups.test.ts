import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Pool } from 'pg';
import { createActivities } from '../../activities';
import { createBackup } from '../../activities/backup/create';
import { restoreBackup } from '../../activities/backup/restore';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import { findSuppressedPersons } from '../../activities/backup/suppression';
import { smtpMailer } from '../../activities/mail/mailer';
import { createPool } from '../../activities/pg-pool';
import { importInventory } from '../../activities/registry/import-inventory';
import { storePolicy } from '../../activities/registry/policies';
import { adapterRegistry } from '../../activities/storage/adapter';
import { backupsAdapter } from '../../activities/storage/backups';
import { CASE_ADMIN_MAP, caseAdminAdapter } from '../../activities/storage/case-admin';
import type { RelationMap } from '../../activities/storage/relation-map';
import { InvalidInputError } from '../../schemas/errors';
import type { StorageSystem } from '../../schemas/inventory';
import { personRows, seedPerson, type SeededPerson } from '../helpers/fixtures';
import { openDatabases, policyIn, testKeys, testServices, uniqueId, type Databases } from '../helpers/services';

describe('backups - per-person keys, crypto-shredding and the suppression list, on real PostgreSQL', () => {
  let dbs: Databases;
  let dir: string;
  const opened: Pool[] = [];
  beforeAll(() => {
    dbs = openDatabases();
    dir = mkdtempSync(join(tmpdir(), 'backups-'));
  });
  afterAll(async () => {
    await Promise.all(opened.map((p) => p.end()));
    await dbs.close();
  });

  const adapters = () => adapterRegistry([caseAdminAdapter(dbs.caseAdmin), backupsAdapter(dbs.registry)]);

  /** A new, migrated, empty database in the same cluster: where a restore goes. */
  async function freshDatabase(schema: 'case-admin' | 'registry' | 'none' = 'case-admin'): Promise<Pool> {
    const name = `restore_${uniqueId('db').slice(3)}`;
    await dbs.caseAdmin.query(`CREATE DATABASE ${name}`);
    const url = new URL(testServices().databases.caseAdmin);
    url.pathname = `/${name}`;
    // The schema, as `npm run migrate` (registry) or the case administration's owner would create it (node-pg-migrate is ESM: run from dist/).
    if (schema !== 'none')
      execFileSync(
        process.execPath,
        [
          '-e',
          'require("./dist/infra/migrate").migrate(process.argv[1], process.argv[2]).catch((e) => { console.error(e); process.exit(1); })',
          schema,
          url.toString(),
        ],
        {
          cwd: join(__dirname, '..', '..'),
        },
      );
    const pool = createPool(url.toString(), 3);
    opened.push(pool);
    return pool;
  }

  async function importPersons(persons: readonly SeededPerson[], policyVersion: string, withBackups: boolean): Promise<string[]> {
    const dossier = uniqueId('D');
    const records = persons.map((p, i) => ({
      line: i + 2,
      record: {
        recordId: `${dossier}-R${i + 1}`,
        dossier,
        subjectRef: p.personId,
        locations: [
          { system: 'case-admin' as const, locator: `persons/${p.personId}` },
          ...(withBackups ? [{ system: 'backups' as const, locator: `persons/${p.personId}` }] : []),
        ],
      },
    }));
    await importInventory(dbs.registry, {
      sourceName: `${dossier}.csv`,
      sourceSha256: dossier,
      policyVersion,
      adapters: adapters(),
      hmacKey: testKeys.hmacKey,
      records,
    });
    return records.map((r) => r.record.recordId);
  }

  const erase = async (recordId: string, systems: StorageSystem[]) => {
    const activities = createActivities({
      registry: dbs.registry,
      adapters: adapters(),
      keys: testKeys,
      mailer: smtpMailer('smtp://127.0.0.1:1', 'x@test.invalid'),
      coordinatorsEmail: 'c@test.invalid',
    });
    return activities.eraseRecord({
      recordId,
      systems,
      workflowId: `record-${recordId}`,
      runId: 'run',
      erasureStartedAt: new Date().toISOString(),
      decisionRefs: [],
    });
  };

  it('restore - a person erased after the backup (key destroyed) and one erased without it (on the suppression list) - neither comes back; the others come back whole', async () => {
    const policy = policyIn(0, 0);
    await storePolicy(dbs.registry, policy);
    const [shredded, suppressed, kept] = [await seedPerson(dbs.caseAdmin), await seedPerson(dbs.caseAdmin), await seedPerson(dbs.caseAdmin)] as SeededPerson[];
    const backup = await createBackup({ registry: dbs.registry, caseAdmin: dbs.caseAdmin, map: CASE_ADMIN_MAP, dir });
    expect(backup.units).toBeGreaterThanOrEqual(3);
    // The file holds no person in the clear: every name and note is sealed.
    const text = gunzipSync(readFileSync(backup.file)).toString('utf8');
    for (const p of [shredded!, suppressed!, kept!]) {
      expect(text).not.toContain(p.fullName);
      expect(text).not.toContain(p.residence);
    }
    expect(text).not.toContain('fixture note');

    // In the backups now: one key and one copy each; the inventory may name them.
    const [shreddedRecord] = await importPersons([shredded!], policy.version, true);
    const [suppressedRecord] = await importPersons([suppressed!], policy.version, false);
    await expect(
      adapters()
        .get('backups')!
        .locate([`persons/${shredded!.personId}`]),
    ).resolves.toEqual({ system: 'backups', present: { 'backup-keys': 1, 'backup-copies': 1 } });

    const result = await erase(shreddedRecord!, ['case-admin', 'backups']);
    expect(result.systems).toContainEqual({ system: 'backups', removed: { 'backup-keys': 1 } });
    await erase(suppressedRecord!, ['case-admin']); // its backup key survives: only the suppression list stops it
    await expect(
      adapters()
        .get('backups')!
        .verifyErased([`persons/${shredded!.personId}`]),
    ).resolves.toMatchObject({ verified: true, remaining: { 'backup-keys': 0 } });

    const target = await freshDatabase();
    const restored = await restoreBackup({ file: backup.file, registry: dbs.registry, caseAdmin: target, map: CASE_ADMIN_MAP, hmacKey: testKeys.hmacKey });
    expect(restored.registered).toBe(true);
    // (The backup holds every person of the shared test database; these three are ours.)
    expect(restored.unreadable).toContain(`persons/${shredded!.personId}`);
    expect(restored.suppressed.map((s) => s.unit)).toContain(`persons/${suppressed!.personId}`);
    expect([...restored.unreadable, ...restored.suppressed.map((s) => s.unit)]).not.toContain(`persons/${kept!.personId}`);
    expect(await personRows(target, shredded!.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
    expect(await personRows(target, suppressed!.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
    expect(await personRows(target, kept!.personId)).toEqual({ persons: 1, notes: 2, note_sources: 2, person_organisations: 1 });
    const { rows } = await target.query<{ full_name: string; residence: string }>('SELECT full_name, residence FROM persons WHERE id = $1', [kept!.personId]);
    expect(rows[0]).toEqual({ full_name: kept!.fullName, residence: kept!.residence });
    // Serial ids continue after the restored ones.
    const note = await target.query<{ id: string }>("INSERT INTO notes (person_id, observed_on, body) VALUES ($1, DATE '2024-01-01', 'new') RETURNING id", [
      kept!.personId,
    ]);
    expect(Number(note.rows[0]?.id)).toBeGreaterThan(0);

    // Post-restore check on a copy restored by other means (a row typed back in): found.
    await expect(findSuppressedPersons(target, dbs.registry, CASE_ADMIN_MAP, testKeys.hmacKey)).resolves.toEqual([]);
    await target.query('INSERT INTO persons (id, full_name, residence) VALUES ($1, $2, $3)', [
      'P-back',
      suppressed!.fullName.toUpperCase(),
      suppressed!.residence,
    ]);
    await expect(findSuppressedPersons(target, dbs.registry, CASE_ADMIN_MAP, testKeys.hmacKey)).resolves.toEqual([
      expect.objectContaining({ unit: 'persons/P-back' }),
    ]);

    // A second restore into a database that already holds data is refused whole.
    await expect(
      restoreBackup({ file: backup.file, registry: dbs.registry, caseAdmin: target, map: CASE_ADMIN_MAP, hmacKey: testKeys.hmacKey }),
    ).rejects.toThrow('a restore goes into an empty database');
  });

  it('importInventory - a record whose subject was erased before, under a new person id - is refused with the certificate, and nothing is imported', async () => {
    const policy = policyIn(0, 0);
    await storePolicy(dbs.registry, policy);
    const person = await seedPerson(dbs.caseAdmin);
    const [recordId] = await importPersons([person], policy.version, false);
    const receipt = await erase(recordId!, ['case-admin']);
    // The same person comes back under a new id (a restore by other means, a re-entry).
    const again = await seedPerson(dbs.caseAdmin);
    await dbs.caseAdmin.query('UPDATE persons SET full_name = $1, residence = $2 WHERE id = $3', [person.fullName, person.residence, again.personId]);
    const other = await seedPerson(dbs.caseAdmin);
    const error = await importPersons([other, again], policy.version, false).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('on the suppression list');
    expect((error as Error).message).toContain(receipt.certificateId);
    expect((error as InvalidInputError).problems).toHaveLength(1);
    const { rowCount } = await dbs.registry.query('SELECT 1 FROM records WHERE subject_ref = ANY($1)', [[other.personId, again.personId]]);
    expect(rowCount).toBe(0);
    await expect(dbs.registry.query('DELETE FROM suppressed_subjects')).rejects.toThrow('append-only');
  });

  it('restore with the registry - into an empty registry - brings back the inventory, the ledger (which still verifies) and the suppression list, never the key store or the inquiries', async () => {
    const policy = policyIn(0, 0);
    await storePolicy(dbs.registry, policy);
    const person = await seedPerson(dbs.caseAdmin);
    await createBackup({ registry: dbs.registry, caseAdmin: dbs.caseAdmin, map: CASE_ADMIN_MAP, dir });
    const [recordId] = await importPersons([person], policy.version, true);
    await erase(recordId!, ['case-admin', 'backups']);
    const backup = await createBackup({ registry: dbs.registry, caseAdmin: dbs.caseAdmin, map: CASE_ADMIN_MAP, dir });
    const registry = await freshDatabase('registry');
    const restored = await restoreBackup({
      file: backup.file,
      registry: dbs.registry,
      caseAdmin: await freshDatabase(),
      map: CASE_ADMIN_MAP,
      hmacKey: testKeys.hmacKey,
      restoreRegistryInto: registry,
    });
    expect(restored.registryRows).toMatchObject({ records: expect.any(Number), certificates: expect.any(Number), suppressed_subjects: expect.any(Number) });
    expect(restored.registryRows).not.toHaveProperty('backup_keys');
    expect(restored.registryRows).not.toHaveProperty('inquiries');
    const count = async (db: Pool, table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n;
    for (const table of ['records', 'certificates', 'suppressed_subjects', 'signing_keys'])
      expect(await count(registry, table)).toBe(await count(dbs.registry, table));
    expect(await count(registry, 'backup_keys')).toBe(0);
    const ledger = await verifyLedger(registry);
    expect(ledger.firstProblem).toBeUndefined();
    expect(ledger.entries).toBe(await count(dbs.registry, 'certificates'));
    // The ledger's protection came back with the schema: the restored rows cannot be edited either.
    await expect(registry.query('UPDATE certificates SET issued_at = now() WHERE record_id = $1', [recordId])).rejects.toThrow('append-only');
  });

  it('backup and restore of a schema with four levels and a kept row (nullify) - an erased client comes back only as the nulled row; the other whole', async () => {
    const p = `t${uniqueId('x').slice(2)}`;
    const map: RelationMap = {
      root: { table: `${p}_clients`, key: 'id', subject: { name: 'name', residence: 'town' } },
      relations: [
        { table: `${p}_cases`, column: 'client_id', parent: `${p}_clients`, parentKey: 'id', action: 'delete' },
        { table: `${p}_notes`, column: 'case_id', parent: `${p}_cases`, parentKey: 'id', action: 'delete' },
        {
          table: `${p}_referrals`,
          column: 'referred_by',
          parent: `${p}_clients`,
          parentKey: 'id',
          action: 'nullify',
          nullify: ['referred_by', 'referrer_name'],
        },
      ],
    };
    const schema = `
      CREATE TABLE ${p}_clients (id text PRIMARY KEY, name text NOT NULL, town text NOT NULL);
      CREATE TABLE ${p}_cases (id serial PRIMARY KEY, client_id text NOT NULL REFERENCES ${p}_clients (id));
      CREATE TABLE ${p}_notes (id serial PRIMARY KEY, case_id int NOT NULL REFERENCES ${p}_cases (id), body text);
      CREATE TABLE ${p}_referrals (id serial PRIMARY KEY, referred_by text REFERENCES ${p}_clients (id), referrer_name text, topic text NOT NULL);`;
    const [source, target] = [await freshDatabase('none'), await freshDatabase('none')] as Pool[];
    for (const db of [source!, target!]) await db.query(schema);
    for (const client of ['A', 'B']) {
      await source!.query(`INSERT INTO ${p}_clients VALUES ($1, $2, 'Town')`, [client, `Client ${client} ${p}`]);
      const kase = await source!.query<{ id: number }>(`INSERT INTO ${p}_cases (client_id) VALUES ($1) RETURNING id`, [client]);
      await source!.query(`INSERT INTO ${p}_notes (case_id, body) VALUES ($1, $2)`, [kase.rows[0]!.id, `about ${client}`]);
      await source!.query(`INSERT INTO ${p}_referrals (referred_by, referrer_name, topic) VALUES ($1, $2, 'housing')`, [client, `Client ${client} ${p}`]);
    }
    await source!.query(`INSERT INTO ${p}_referrals (referred_by, referrer_name, topic) VALUES (NULL, NULL, 'anonymous')`);
    const backup = await createBackup({ registry: dbs.registry, caseAdmin: source!, map, dir });
    expect(backup.units).toBe(2);
    expect(gunzipSync(readFileSync(backup.file)).toString('utf8')).not.toContain(`Client A ${p}`);
    await backupsAdapter(dbs.registry).erase([`${p}_clients/A`]); // A is erased: their key goes

    const restored = await restoreBackup({ file: backup.file, registry: dbs.registry, caseAdmin: target!, map, hmacKey: testKeys.hmacKey });
    expect(restored).toMatchObject({ restoredUnits: 1, unreadable: [`${p}_clients/A`], suppressed: [] });
    expect((await target!.query(`SELECT id FROM ${p}_clients ORDER BY id`)).rows).toEqual([{ id: 'B' }]);
    expect((await target!.query(`SELECT body FROM ${p}_notes ORDER BY id`)).rows).toEqual([{ body: 'about B' }]);
    expect((await target!.query(`SELECT referred_by, referrer_name, topic FROM ${p}_referrals ORDER BY id`)).rows).toEqual([
      { referred_by: null, referrer_name: null, topic: 'housing' },
      { referred_by: 'B', referrer_name: `Client B ${p}`, topic: 'housing' },
      { referred_by: null, referrer_name: null, topic: 'anonymous' },
    ]);
  });

  it('restore - a truncated file, and a file altered after it was registered - are refused whole, nothing restored', async () => {
    await seedPerson(dbs.caseAdmin);
    const backup = await createBackup({ registry: dbs.registry, caseAdmin: dbs.caseAdmin, map: CASE_ADMIN_MAP, dir: mkdtempSync(join(tmpdir(), 'backups-')) });
    const lines = gunzipSync(readFileSync(backup.file)).toString('utf8').trimEnd().split('\n');
    const truncated = join(dir, 'truncated.jsonl.gz');
    writeFileSync(truncated, gzipSync(`${lines.slice(0, -2).join('\n')}\n`));
    const target = await freshDatabase();
    const restore = (file: string) => restoreBackup({ file, registry: dbs.registry, caseAdmin: target, map: CASE_ADMIN_MAP, hmacKey: testKeys.hmacKey });
    await expect(restore(truncated)).rejects.toThrow('the end line is missing: the file is truncated');
    // One row in the clear edited, the line count unchanged: only the registered SHA-256 shows it.
    writeFileSync(backup.file, gzipSync(`${lines.join('\n').replace('Fixture Organisation', 'Altered Organisation')}\n`));
    await expect(restore(backup.file)).rejects.toThrow('the file was altered');
    expect((await target.query('SELECT count(*)::int AS n FROM persons')).rows[0]).toEqual({ n: 0 });
  });
});
