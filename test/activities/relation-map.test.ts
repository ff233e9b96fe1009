import { randomBytes } from 'node:crypto';
import { mappedErasure } from '../../activities/storage/mapped-erasure';
import { erasurePlan, unitRowQueries, type RelationMap } from '../../activities/storage/relation-map';
import { openDatabases, type Databases } from '../helpers/services';

describe('relation map - the erase order derived from how tables relate to a person', () => {
  const base = (relations: RelationMap['relations']): RelationMap => ({ root: { table: 'clients', key: 'id' }, relations });

  it('erasurePlan - a chain and a branch - puts dependants first, the root last', () => {
    const plan = erasurePlan(
      base([
        { table: 'cases', column: 'client_id', parent: 'clients', parentKey: 'id', action: 'delete' },
        { table: 'case_notes', column: 'case_id', parent: 'cases', parentKey: 'id', action: 'delete' },
        { table: 'referrals', column: 'referred_by', parent: 'clients', parentKey: 'id', action: 'nullify' },
      ]),
    );
    expect(plan.map((s) => `${s.action} ${s.table}`)).toEqual(['delete case_notes', 'delete cases', 'nullify referrals', 'delete clients']);
    expect(plan[0]?.where).toBe('case_id IN (SELECT id FROM cases WHERE client_id IN (SELECT id FROM clients WHERE id = ANY($1)))');
  });

  it('erasurePlan - a cycle, an unknown parent, a table twice - is refused with what is wrong', () => {
    expect(() =>
      erasurePlan(
        base([
          { table: 'a', column: 'b_id', parent: 'b', parentKey: 'id', action: 'delete' },
          { table: 'b', column: 'a_id', parent: 'a', parentKey: 'id', action: 'delete' },
        ]),
      ),
    ).toThrow(/cycle a → b → a/);
    expect(() => erasurePlan(base([{ table: 'a', column: 'x_id', parent: 'x', parentKey: 'id', action: 'delete' }]))).toThrow(
      'parent table x is neither the root nor a mapped table',
    );
    expect(() =>
      erasurePlan(
        base([
          { table: 'a', column: 'client_id', parent: 'clients', parentKey: 'id', action: 'delete' },
          { table: 'a', column: 'other', parent: 'clients', parentKey: 'id', action: 'delete' },
        ]),
      ),
    ).toThrow('table a appears twice');
  });
});

describe('mappedErasure - a schema with four levels of dependants and a kept row that must forget the person', () => {
  let dbs: Databases;
  const p = `t${randomBytes(3).toString('hex')}`;
  const map: RelationMap = {
    root: { table: `${p}_clients`, key: 'id' },
    relations: [
      { table: `${p}_cases`, column: 'client_id', parent: `${p}_clients`, parentKey: 'id', action: 'delete', kind: 'cases' },
      { table: `${p}_notes`, column: 'case_id', parent: `${p}_cases`, parentKey: 'id', action: 'delete', kind: 'notes' },
      { table: `${p}_attachments`, column: 'note_id', parent: `${p}_notes`, parentKey: 'id', action: 'delete', kind: 'attachments' },
      {
        table: `${p}_referrals`,
        column: 'referred_by',
        parent: `${p}_clients`,
        parentKey: 'id',
        action: 'nullify',
        nullify: ['referred_by', 'referrer_name'],
        kind: 'referrals',
      },
    ],
  };
  beforeAll(async () => {
    dbs = openDatabases();
    await dbs.caseAdmin.query(`
      CREATE TABLE ${p}_clients (id text PRIMARY KEY, name text NOT NULL);
      CREATE TABLE ${p}_cases (id serial PRIMARY KEY, client_id text NOT NULL REFERENCES ${p}_clients (id));
      CREATE TABLE ${p}_notes (id serial PRIMARY KEY, case_id int NOT NULL REFERENCES ${p}_cases (id), body text);
      CREATE TABLE ${p}_attachments (id serial PRIMARY KEY, note_id int NOT NULL REFERENCES ${p}_notes (id));
      CREATE TABLE ${p}_referrals (id serial PRIMARY KEY, referred_by text REFERENCES ${p}_clients (id), referrer_name text, topic text NOT NULL);
    `);
    for (const client of ['A', 'B']) {
      await dbs.caseAdmin.query(`INSERT INTO ${p}_clients VALUES ($1, $2)`, [client, `Client ${client}`]);
      for (let c = 0; c < 2; c += 1) {
        const kase = await dbs.caseAdmin.query<{ id: number }>(`INSERT INTO ${p}_cases (client_id) VALUES ($1) RETURNING id`, [client]);
        for (let n = 0; n < 2; n += 1) {
          const note = await dbs.caseAdmin.query<{ id: number }>(`INSERT INTO ${p}_notes (case_id, body) VALUES ($1, 'note') RETURNING id`, [kase.rows[0]!.id]);
          await dbs.caseAdmin.query(`INSERT INTO ${p}_attachments (note_id) VALUES ($1)`, [note.rows[0]!.id]);
        }
      }
      await dbs.caseAdmin.query(`INSERT INTO ${p}_referrals (referred_by, referrer_name, topic) VALUES ($1, $2, 'housing')`, [client, `Client ${client}`]);
    }
  });
  afterAll(async () => {
    await dbs.caseAdmin.query(`DROP TABLE ${p}_referrals, ${p}_attachments, ${p}_notes, ${p}_cases, ${p}_clients`);
    await dbs.close();
  });

  it('unitRowQueries - every row with the person it hangs off, through all four levels - as a backup seals them', async () => {
    const units: Record<string, Record<string, number>> = {};
    for (const q of unitRowQueries(map)) {
      const { rows } = await dbs.caseAdmin.query<{ row: Record<string, unknown>; unit: string | null }>(q.sql);
      for (const r of rows) {
        const unit = r.unit ?? '(nobody)';
        units[unit] = { ...units[unit], [q.table.slice(p.length + 1)]: (units[unit]?.[q.table.slice(p.length + 1)] ?? 0) + 1 };
      }
    }
    const each = { clients: 1, cases: 2, notes: 4, attachments: 4, referrals: 1 };
    expect(units).toEqual({ A: each, B: each });
    expect(unitRowQueries(map).find((q) => q.table === `${p}_referrals`)).toMatchObject({ action: 'nullify', nullify: ['referred_by', 'referrer_name'] });
  });

  it('erase - client A - deletes its cases, notes and attachments in dependency order, nulls the referral, leaves B alone; again removes nothing', async () => {
    const erasure = mappedErasure(dbs.caseAdmin, map);
    await expect(erasure.count(['A'])).resolves.toEqual({ attachments: 4, notes: 4, cases: 2, referrals: 1, [`${p}_clients`]: 1 });
    await expect(erasure.erase(['A'])).resolves.toEqual({ attachments: 4, notes: 4, cases: 2, referrals: 1, [`${p}_clients`]: 1 });
    await expect(erasure.count(['A'])).resolves.toEqual({ attachments: 0, notes: 0, cases: 0, referrals: 0, [`${p}_clients`]: 0 });
    await expect(erasure.count(['B'])).resolves.toEqual({ attachments: 4, notes: 4, cases: 2, referrals: 1, [`${p}_clients`]: 1 });
    const kept = await dbs.caseAdmin.query(`SELECT referred_by, referrer_name, topic FROM ${p}_referrals ORDER BY id`);
    expect(kept.rows).toEqual([
      { referred_by: null, referrer_name: null, topic: 'housing' },
      { referred_by: 'B', referrer_name: 'Client B', topic: 'housing' },
    ]);
    await expect(erasure.erase(['A'])).resolves.toEqual({ attachments: 0, notes: 0, cases: 0, referrals: 0, [`${p}_clients`]: 0 });
  });

  it('a map naming a table or column the database lacks - is refused before anything is touched', async () => {
    const wrong = mappedErasure(dbs.caseAdmin, {
      ...map,
      relations: [...map.relations, { table: `${p}_missing`, column: 'client_id', parent: `${p}_clients`, parentKey: 'id', action: 'delete' }],
    });
    await expect(wrong.erase(['B'])).rejects.toThrow(`the relation map names what the database does not have: table ${p}_missing`);
    await expect(mappedErasure(dbs.caseAdmin, map).count(['B'])).resolves.toMatchObject({ cases: 2 });
  });
});
