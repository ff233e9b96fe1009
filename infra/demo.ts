import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool, inTransaction } from '../activities/pg-pool';
import type { Policy } from '../schemas/policy';
import { importInventory } from '../activities/registry/import-inventory';
import { storePolicy } from '../activities/registry/policies';
import type { AdapterRegistry } from '../activities/storage/adapter';
import { sha256Hex } from '../activities/registry/canonical-json';
import { createBackup } from '../activities/backup/create';
import { CASE_ADMIN_MAP } from '../activities/storage/case-admin';

export const DEMO_DOSSIER = 'D-DEMO';

/** A small deterministic generator: the same demo content every time, nothing random. */
function* sequence(seed: number): Generator<number> {
  let state = seed;
  for (;;) {
    state = (state * 1103515245 + 12345) % 2147483648;
    yield state / 2147483648;
  }
}

const BELIEFS = ['belief-category-A', 'belief-category-B', 'belief-category-C', 'none recorded'];
const TOWNS = ['Demo Town North', 'Demo Town South', 'Demo Village East', 'Demo City West'];
const ORGANISATIONS = [
  { id: 'O-DEMO-1', name: 'Synthetic Community Association' },
  { id: 'O-DEMO-2', name: 'Synthetic Youth Foundation' },
  { id: 'O-DEMO-3', name: 'Synthetic Neighbourhood Council' },
];

export interface DemoPerson {
  readonly id: string;
  readonly fullName: string;
  readonly residence: string;
  readonly belief: string;
  readonly notes: string[];
  readonly organisationIds: string[];
}

/** Synthetic persons: generated labels, no real names, places or beliefs. */
export function demoPersons(count: number, seed = 17, tag = 'DEMO'): DemoPerson[] {
  const random = sequence(seed);
  const next = () => random.next().value as number;
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
    return {
      id: `P-${tag}-${n}`,
      fullName: `Synthetic Person ${n}`,
      residence: pick(TOWNS),
      belief: pick(BELIEFS),
      notes: Array.from({ length: 1 + Math.floor(next() * 3) }, (_, k) => `Generated note ${k + 1} on the activities of synthetic person ${n}.`),
      organisationIds: ORGANISATIONS.filter(() => next() < 0.5).map((o) => o.id),
    };
  });
}

/** Writes demo persons into the case administration, in one transaction, idempotently. */
export async function loadDemoCaseAdmin(caseAdmin: Pool, persons: readonly DemoPerson[]): Promise<void> {
  return inTransaction(caseAdmin, 'BEGIN', async (db) => {
    for (const o of ORGANISATIONS) {
      await db.query('INSERT INTO organisations (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [o.id, o.name]);
    }
    for (const p of persons) {
      const inserted = await db.query('INSERT INTO persons (id, full_name, residence, belief) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        p.id,
        p.fullName,
        p.residence,
        p.belief,
      ]);
      if (inserted.rowCount === 0) continue;
      for (const [k, body] of p.notes.entries()) {
        const note = await db.query<{ id: string }>(
          "INSERT INTO notes (person_id, observed_on, body) VALUES ($1, DATE '2019-01-01' + $2::int, $3) RETURNING id",
          [p.id, k * 40, body],
        );
        await db.query('INSERT INTO note_sources (note_id, source) VALUES ($1, $2)', [note.rows[0]?.id, 'synthetic-field-report']);
      }
      for (const organisationId of p.organisationIds) {
        await db.query("INSERT INTO person_organisations (person_id, organisation_id, role, context) VALUES ($1, $2, 'member', 'generated demo context')", [
          p.id,
          organisationId,
        ]);
      }
    }
  });
}

export interface DemoFiles {
  readonly documentsRoot: string;
  readonly maildir: string;
  readonly backupsDir: string;
}

const demoReportPath = (dossier: string, p: DemoPerson) => `reports/${dossier}/${p.id}.pdf`;
const demoTipOffId = (p: DemoPerson) => `tip-off-${p.id.toLowerCase()}@mail.demo.invalid`;
const DEMO_INQUIRY_MESSAGE_ID = 'inquiry-demo-inq-0001@mail.demo.invalid';

/** A message file in a Maildir's `cur/`, as a mail server delivers it. */
function deliver(maildir: string, name: string, lines: readonly string[]): void {
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  writeFileSync(join(maildir, 'cur', `${name}:2,S`), `${lines.join('\r\n')}\r\n`, { mode: 0o600 });
}

/**
 * Every demo person has a research report (with its text extract, a derived copy) in the
 * document store; the first person of a dossier also has a tip-off e-mail in the mailbox.
 * Synthetic text only.
 */
function writeDemoFiles(files: DemoFiles, dossier: string, persons: readonly DemoPerson[]): void {
  persons.forEach((p, i) => {
    const report = join(files.documentsRoot, demoReportPath(dossier, p));
    mkdirSync(join(report, '..'), { recursive: true });
    const text = `Synthetic research report on ${p.fullName}, ${p.residence}.\n${p.notes.join('\n')}\n`;
    writeFileSync(report, `%PDF-1.4 (synthetic demo report)\n${text}`, { mode: 0o600 });
    writeFileSync(`${report}.txt`, text, { mode: 0o600 });
    if (i === 0) {
      deliver(files.maildir, `1700000000.${p.id}.demo`, [
        `Message-ID: <${demoTipOffId(p)}>`,
        'From: Synthetic Informant <informant@mail.demo.invalid>',
        `Subject: Tip-off about ${p.fullName}`,
        'Date: Mon, 13 Nov 2023 09:00:00 +0100',
        '',
        `${p.fullName} of ${p.residence} was seen at a meeting (synthetic demo text).`,
      ]);
    }
  });
}

export interface DemoDossier {
  readonly dossier: string;
  readonly loaded: boolean;
  readonly policy: Policy;
  readonly records: number;
}

export interface DemoSpec {
  readonly dossier: string;
  /** Record and person ids: R-<tag>-0001, P-<tag>-0001, ... */
  readonly tag: string;
  readonly count: number;
  readonly seed: number;
  readonly policy: (now: Date, stamp: string) => Policy;
}

export const DEMO_SPECS: readonly DemoSpec[] = [
  {
    // Runs by itself: cutoff and purge start a minute or two from the first start.
    dossier: DEMO_DOSSIER,
    tag: 'DEMO',
    count: 12,
    seed: 17,
    policy: (now, stamp) => ({
      version: `demo-${stamp}`,
      description: 'Compressed demo policy: the source case runs the same steps over weeks',
      // Deadlines are shown back in the source case's zone (status, letters, report).
      timeZone: 'Europe/Amsterdam',
      inquiryCutoff: new Date(now.getTime() + 45_000).toISOString(),
      purgeStart: new Date(now.getTime() + 90_000).toISOString(),
      objectionPeriod: '2m',
      responseDeadline: '5m',
      retentionReview: '10m',
    }),
  },
  {
    // For trying the inquiry path by hand: ten minutes until the cutoff.
    dossier: 'D-DEMO-INQ',
    tag: 'DEMO-INQ',
    count: 3,
    seed: 29,
    policy: (now, stamp) => ({
      version: `demo-inquiry-${stamp}`,
      description: 'Compressed demo policy for the inquiry path',
      timeZone: 'Europe/Amsterdam',
      inquiryCutoff: new Date(now.getTime() + 600_000).toISOString(),
      purgeStart: new Date(now.getTime() + 600_000).toISOString(),
      objectionPeriod: '2m',
      responseDeadline: '5m',
      retentionReview: '10m',
    }),
  },
];

/**
 * Loads a demo dossier once: synthetic case rows, a compressed policy and the inventory,
 * through the same import code as `erasure import`. Later starts find it and leave it
 * as it is.
 */
export async function loadDemoDossier(
  registry: Pool,
  caseAdminUrl: string,
  adapters: AdapterRegistry,
  hmacKey: Buffer,
  spec: DemoSpec,
  now = new Date(),
  /** The demo's document store, mailbox and backups; without them the records live in the case administration only. */
  files?: DemoFiles,
): Promise<DemoDossier & { persons: DemoPerson[] }> {
  const persons = demoPersons(spec.count, spec.seed, spec.tag);
  const existing = await registry.query<{ policy_version: string; n: string }>(
    'SELECT policy_version, count(*) AS n FROM records WHERE dossier = $1 GROUP BY policy_version',
    [spec.dossier],
  );
  if (existing.rows[0]) {
    const { rows } = await registry.query<{ body: Policy }>('SELECT body FROM policies WHERE version = $1', [existing.rows[0].policy_version]);
    return { dossier: spec.dossier, loaded: false, policy: rows[0]?.body as Policy, records: Number(existing.rows[0].n), persons };
  }
  const policy = spec.policy(now, now.toISOString().replace(/[-:T]/g, '').slice(0, 14));
  const caseAdmin = createPool(caseAdminUrl, 2);
  try {
    await loadDemoCaseAdmin(caseAdmin, persons);
    if (files) {
      writeDemoFiles(files, spec.dossier, persons);
      // Last night's backup: from now on each person is in it, sealed under their own key.
      await createBackup({ registry, caseAdmin, map: CASE_ADMIN_MAP, dir: files.backupsDir, now });
    }
  } finally {
    await caseAdmin.end();
  }
  await storePolicy(registry, policy);
  const records = persons.map((p, i) => ({
    line: i + 2,
    record: {
      recordId: `R-${spec.tag}-${String(i + 1).padStart(4, '0')}`,
      dossier: spec.dossier,
      subjectRef: p.id,
      locations: [
        { system: 'case-admin' as const, locator: `persons/${p.id}` },
        ...(files
          ? [
              { system: 'documents' as const, locator: demoReportPath(spec.dossier, p) },
              ...(i === 0 ? [{ system: 'mailbox' as const, locator: `message-id:${demoTipOffId(p)}` }] : []),
              { system: 'backups' as const, locator: `persons/${p.id}` },
            ]
          : []),
      ],
    },
  }));
  await importInventory(registry, {
    sourceName: `${spec.dossier} demo inventory (generated)`,
    sourceSha256: sha256Hex(JSON.stringify(records)),
    policyVersion: policy.version,
    records,
    adapters,
    hmacKey,
  });
  return { dossier: spec.dossier, loaded: true, policy, records: records.length, persons };
}

/**
 * An inquiry file as a coordinator would transcribe it, from the first synthetic person
 * of the inquiry dossier: the way in for trying `erasure inquiry register`.
 */
export function writeDemoInquiry(dir: string, person: DemoPerson, receivedAt: Date, maildir?: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'inquiry.json');
  if (!existsSync(file)) {
    if (maildir) {
      deliver(maildir, `${Math.floor(receivedAt.getTime() / 1000)}.inquiry.demo`, [
        `Message-ID: <${DEMO_INQUIRY_MESSAGE_ID}>`,
        'From: Requester <requester@example.invalid>',
        'Subject: Which data do you hold about me?',
        `Date: ${receivedAt.toUTCString()}`,
        '',
        `I am ${person.fullName} of ${person.residence}. Which data do you hold about me? (synthetic demo text)`,
      ]);
    }
    const inquiry = {
      name: person.fullName,
      residence: person.residence,
      email: 'requester@example.invalid',
      language: 'en',
      receivedAt: receivedAt.toISOString(),
      ...(maildir ? { mailRef: `message-id:${DEMO_INQUIRY_MESSAGE_ID}` } : {}),
    };
    writeFileSync(file, `${JSON.stringify(inquiry, null, 2)}\n`, { mode: 0o600 });
  }
  return file;
}
