import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { reportCommand } from '../../cli/commands/report';
import type { CommandContext, DeliveredFile } from '../../service/command-context';
import { assembleReport, collectOperationReport } from '../../cli/report/collect';
import { renderHtml } from '../../cli/report/html';
import { escapeHtml } from '../../cli/report/markup';
import { pendingKeys, pendingReasons, REPORT_FORMAT, zeroPhases, type OperationReport, type PhaseCounts } from '../../cli/report/model';
import { everyDay, outcomeOf, type RegistryFacts } from '../../cli/report/registry';
import { formatOperationReport } from '../../cli/report/text';
import { lifecyclePhases, type LifecyclePhase, type RecordStatus } from '../../schemas/lifecycle';

const HOSTILE = '<script>alert("x")</script>';
const phases = (counts: Partial<Record<LifecyclePhase, number>>): PhaseCounts => ({ ...zeroPhases(), ...counts });

/** An operation: D-1 partly erased, a hostile dossier id, three days of certificates (one without). */
function sampleReport(): OperationReport {
  const d1 = phases({ erased: 3, due: 1, 'on-hold': 1 });
  const hostile = phases({ 'awaiting-cutoff': 2 });
  return {
    format: REPORT_FORMAT,
    generatedAt: '2024-04-05T10:00:00.000Z',
    namespace: 'erasure-test',
    totals: { imported: 8, erased: 3, pending: 5, withoutLifecycle: 1, resurrected: 1 },
    phases: phases({ erased: 3, due: 1, 'on-hold': 1, 'awaiting-cutoff': 2 }),
    pending: pendingKeys.map((key) => ({
      key,
      records: ({ 'no-lifecycle': 1, due: 1, 'on-hold': 1, 'awaiting-cutoff': 2 } as Partial<Record<string, number>>)[key] ?? 0,
      reason: pendingReasons[key],
    })),
    dossiers: [
      { dossier: 'D-1', imported: 5, erased: 3, withoutLifecycle: 0, lifecycleNotRunning: 0, resurrected: 1, phases: d1 },
      { dossier: HOSTILE, imported: 3, erased: 0, withoutLifecycle: 1, lifecycleNotRunning: 0, resurrected: 0, phases: hostile },
    ],
    policies: [
      {
        version: 'source-case-2024',
        timeZone: 'Europe/Amsterdam',
        inquiryCutoff: '2024-03-31T23:59:59.999+02:00',
        purgeStart: '2024-04-01T00:00:00+02:00',
        objectionPeriod: '6w',
        records: 5,
      },
      { version: 'offsets-only', timeZone: null, inquiryCutoff: '2024-06-30T21:59:59Z', purgeStart: '2024-07-01T00:00:00Z', objectionPeriod: '6w', records: 3 },
    ],
    inquiries: {
      open: 2,
      openMatched: 1,
      openUnmatched: 1,
      destroyed: 4,
      explanationsSent: 3,
      noDataAnswers: 1,
      destructionConfirmations: 4,
      responseOverdueAlerts: 0,
      recordsWithOpenInquiry: 1,
      recordsResponseOverdue: 0,
    },
    holds: {
      onHold: 1,
      objectionsAwaitingDecision: 0,
      legalHolds: 1,
      unclassified: 0,
      retained: 0,
      items: [{ recordId: 'R-17', dossier: 'D-1', kind: 'legal-hold', reference: 'RB-2024-7', since: '2024-04-02T09:00:00.000Z', pendingObjection: null }],
    },
    certificates: {
      total: 3,
      firstIssuedAt: '2024-04-01T08:00:00.000Z',
      lastIssuedAt: '2024-04-03T12:00:00.000Z',
      perDay: [
        { day: '2024-04-01', issued: 2, cumulative: 2 },
        { day: '2024-04-02', issued: 0, cumulative: 2 },
        { day: '2024-04-03', issued: 1, cumulative: 3 },
      ],
    },
    purgeRuns: [
      {
        runRef: 'purge-run-dry-1',
        dryRun: true,
        scheduled: false,
        startedAt: '2024-04-03T11:00:00.000Z',
        finishedAt: '2024-04-03T11:00:05.000Z',
        outcome: {
          candidates: 2,
          released: 1,
          restarted: 1,
          erased: 0,
          failed: 0,
          pending: 0,
          skipped: { 'legal-hold': 1 },
          reconciled: 0,
          resurrected: 0,
          waves: 1,
          durationMs: 5000,
          stoppedBecause: null,
          failures: [],
        },
      },
      { runRef: 'purge-run-manual-1', dryRun: false, scheduled: false, startedAt: '2024-04-01T07:59:00.000Z', finishedAt: null, outcome: null },
    ],
    resurrections: {
      total: 1,
      records: 1,
      unverified: 0,
      bySystem: [{ system: 'case-admin', count: 1 }],
      recent: [{ recordId: 'R-2', dossier: 'D-1', system: 'case-admin', detectedAt: '2024-04-04T00:00:00.000Z', runRef: 'reconcile-1', verified: true }],
    },
    erasureFailures: { total: 2, records: 1, recordsNotErased: 1, reasons: [{ reason: `ERASE_FAILED case-admin ${HOSTILE}`, records: 1 }], recent: [] },
    notes: ['Erased counts come from the certificate ledger.', `note with ${HOSTILE}`],
  };
}

describe('erasure report - text', () => {
  const lines = formatOperationReport(sampleReport());
  const text = lines.join('\n');

  it('states the erased share from the ledger and only the reasons that hold records', () => {
    expect(text).toMatch(/erased and certified \(ledger\) \[1\]\s+3 {2}37\.5 %/);
    const start = lines.findIndex((l) => l.startsWith('Still pending, and why'));
    const section = lines.slice(start + 1, lines.indexOf('', start));
    expect(section).toEqual([
      expect.stringMatching(/^ {2}no-lifecycle\s+1 {2}imported, no lifecycle started/),
      expect.stringMatching(/^ {2}awaiting-cutoff\s+2 {2}waiting for the inquiry cutoff/),
      expect.stringMatching(/^ {2}on-hold\s+1 {2}objection awaiting a decision, or legal hold$/),
      expect.stringMatching(/^ {2}due\s+1 {2}due: /),
    ]);
  });

  it('puts each dossier figure under its column heading', () => {
    const header = lines.find((l) => l.trimStart().startsWith('DOSSIER'));
    expect(header?.trim().split(/\s+/)).toEqual(['DOSSIER', 'IMPORTED', 'ERASED', 'NO-LIFECYCLE', 'AWAITING-CUTOFF', 'ON-HOLD', 'DUE']);
    const d1 = lines.find((l) => l.startsWith('  D-1 '));
    expect(d1?.trim().split(/\s+/)).toEqual(['D-1', '5', '3', '0', '0', '1', '1']);
    // Right-aligned: each figure ends where its heading ends.
    const end = (header ?? '').indexOf('ON-HOLD') + 'ON-HOLD'.length;
    expect(d1?.slice(end - 2, end + 1)).toBe(' 1 ');
    expect(d1?.length).toBe(header?.length);
  });

  it('lists holds, runs and notes', () => {
    expect(text).toContain('R-17');
    expect(text).toMatch(/legal-hold\s+RB-2024-7 since 2024-04-02T09:00:00.000Z/);
    expect(text).toMatch(/purge-run-dry-1\s+dry run\s+2 candidates, 2 would be released, 1 skipped \(legal-hold 1\)/);
    expect(text).toMatch(/purge-run-manual-1\s+manual {4}running/);
    expect(lines).toContain('  [2] note with <script>alert("x")</script>');
  });

  it("policies - with a zone - shows each deadline in the policy's zone; without one, as stored", () => {
    const start = lines.indexOf("Policies in use (deadlines in each policy's time zone)");
    expect(lines.slice(start + 1, start + 7)).toEqual([
      '  source-case-2024  (5 record(s), objection period 6w)',
      '    inquiry cutoff  2024-03-31 23:59:59.999 +02:00 Europe/Amsterdam',
      '    purge start     2024-04-01 00:00:00 +02:00 Europe/Amsterdam',
      '  offsets-only  (3 record(s), objection period 6w)',
      '    inquiry cutoff  2024-06-30T21:59:59Z',
      '    purge start     2024-07-01T00:00:00Z',
    ]);
  });

  it('shows the last 14 days only, and says so', () => {
    const days = everyDay(
      new Map([
        ['2024-03-01', 1],
        ['2024-03-20', 2],
      ]),
    );
    const many = formatOperationReport({
      ...sampleReport(),
      certificates: { total: 3, firstIssuedAt: '2024-03-01T00:00:00Z', lastIssuedAt: '2024-03-20T00:00:00Z', perDay: days },
    });
    expect(many).toContain('  per day (the last 14 of 20 days; --html or --json for all):');
    expect(many.filter((l) => /^ {4}2024-03-\d\d /.test(l))).toHaveLength(14);
  });
});

describe('erasure report - JSON shape', () => {
  const registry: RegistryFacts = {
    dossiers: [
      { dossier: 'D-1', imported: 10, erased: 4, withoutLifecycle: 1, resurrected: 0 },
      { dossier: 'D-2', imported: 2, erased: 0, withoutLifecycle: 0, resurrected: 0 },
    ],
    policies: [{ version: 'p', timeZone: null, inquiryCutoff: '2024-03-31T21:59:59Z', purgeStart: '2024-03-31T22:00:00Z', objectionPeriod: '6w', records: 12 }],
    certificates: {
      total: 4,
      firstIssuedAt: '2024-04-01T00:00:00.000Z',
      lastIssuedAt: '2024-04-01T00:00:00.000Z',
      perDay: [{ day: '2024-04-01', issued: 4, cumulative: 4 }],
    },
    inquiries: {
      open: 0,
      openMatched: 0,
      openUnmatched: 0,
      destroyed: 0,
      explanationsSent: 0,
      noDataAnswers: 0,
      destructionConfirmations: 0,
      responseOverdueAlerts: 0,
    },
    purgeRuns: [{ runRef: 'r', dryRun: false, scheduled: true, startedAt: '2024-04-01T00:00:00.000Z', finishedAt: null, outcome: null }],
    resurrections: { total: 0, records: 0, unverified: 0, bySystem: [], recent: [] },
    erasureFailures: { total: 0, records: 0, recordsNotErased: 0, reasons: [], recent: [] },
  };
  // D-1: 5 running (due 3, on-hold 2), so one started lifecycle is not running; D-2: 2 awaiting the cutoff.
  const visibility = {
    phases: phases({ erased: 3, due: 3, 'on-hold': 2, 'awaiting-cutoff': 2 }),
    byDossier: new Map([
      ['D-1', phases({ erased: 3, due: 3, 'on-hold': 2 })],
      ['D-2', phases({ 'awaiting-cutoff': 2 })],
    ]),
    uncounted: [],
    inquiryOpen: 0,
    responseOverdue: 0,
  };
  const holds = {
    items: [{ recordId: 'R-1', dossier: 'D-1', kind: 'objection' as const, reference: 'BEZW-1', since: '2024-04-01T00:00:00.000Z', pendingObjection: null }],
    problem: 'the on-hold lifecycles did not answer',
  };
  const report = assembleReport({ generatedAt: '2024-04-02T00:00:00.000Z', namespace: 'default', registry, visibility, holds });
  const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;

  it('has the documented top-level keys, every phase and every pending reason', () => {
    expect(Object.keys(json)).toEqual([
      'format',
      'generatedAt',
      'namespace',
      'totals',
      'phases',
      'pending',
      'dossiers',
      'policies',
      'inquiries',
      'holds',
      'certificates',
      'purgeRuns',
      'resurrections',
      'erasureFailures',
      'notes',
    ]);
    expect(json.format).toBe('erasure-operation-report/1');
    expect(Object.keys(json.phases as object)).toEqual([...lifecyclePhases]);
    expect(report.pending.map((p) => p.key)).toEqual(pendingKeys);
    for (const d of report.dossiers) expect(Object.keys(d.phases)).toEqual([...lifecyclePhases]);
    // Absent values are null, never a missing key.
    expect((json.purgeRuns as object[])[0]).toHaveProperty('outcome', null);
    expect((json.purgeRuns as object[])[0]).toHaveProperty('finishedAt', null);
    expect((json.policies as object[])[0]).toHaveProperty('timeZone', null);
  });

  it('takes erased from the ledger and accounts for every pending record', () => {
    expect(report.totals).toEqual({ imported: 12, erased: 4, pending: 8, withoutLifecycle: 1, resurrected: 0 });
    const pending = Object.fromEntries(report.pending.filter((p) => p.records > 0).map((p) => [p.key, p.records]));
    expect(pending).toEqual({ 'no-lifecycle': 1, 'awaiting-cutoff': 2, 'on-hold': 2, due: 3 });
    expect(report.dossiers.find((d) => d.dossier === 'D-1')?.lifecycleNotRunning).toBe(0);
    expect(report.pending.reduce((a, p) => a + p.records, 0)).toBe(report.totals.pending);
    expect(report.notes.join('\n')).toContain('visibility shows 3 lifecycle(s) erased, the ledger 4');
  });

  it('counts an on-hold record nobody could classify, and says why', () => {
    expect(report.holds).toMatchObject({ onHold: 2, objectionsAwaitingDecision: 1, legalHolds: 0, unclassified: 1 });
    expect(report.notes.join('\n')).toContain('did not answer; 1 on-hold record(s) are not classified');
  });

  it('reads stored purge reports field by field and leaves the dry-run file out', () => {
    const outcome = outcomeOf({
      runRef: 'x',
      erased: 5,
      skipped: { retained: 2, erased: 0 },
      reportFile: '/srv/dry.json',
      wouldDestroy: [{ dossier: 'D', system: 'documents', records: 1, locations: 1 }],
      failures: [{ reason: 'E', records: 1 }, { bogus: true }],
    });
    expect(outcome).toMatchObject({ erased: 5, failed: 0, skipped: { retained: 2 }, failures: [{ reason: 'E', records: 1 }], stoppedBecause: null });
    expect(JSON.stringify(outcome)).not.toMatch(/reportFile|wouldDestroy|srv/);
    expect(outcomeOf(null)).toBeNull();
  });

  it('fills the days without certificates, so the chart has one bar per calendar day', () => {
    expect(
      everyDay(
        new Map([
          ['2024-02-28', 1],
          ['2024-03-01', 2],
        ]),
      ),
    ).toEqual([
      { day: '2024-02-28', issued: 1, cumulative: 1 },
      { day: '2024-02-29', issued: 0, cumulative: 1 },
      { day: '2024-03-01', issued: 2, cumulative: 3 },
    ]);
  });
});

describe('erasure report - HTML', () => {
  const report = sampleReport();
  const page = renderHtml(report);

  it('draws one bar per day, the tallest for the busiest day, and the cumulative line', () => {
    const bars = [...page.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>([^<]*)<\/title>/g)];
    expect(bars.map((b) => b[2])).toEqual([
      '2024-04-01: 2 destroyed, 2 in total',
      '2024-04-02: 0 destroyed, 2 in total',
      '2024-04-03: 1 destroyed, 3 in total',
    ]);
    const heights = bars.map((b) => Number(b[1]));
    expect(heights[1]).toBe(0);
    expect(heights[0]).toBeCloseTo(2 * (heights[2] ?? NaN), 0);
    const line = /<polyline class="cumulative" points="([^"]+)"/.exec(page)?.[1]?.split(' ') ?? [];
    expect(line).toHaveLength(3);
    const ys = line.map((p) => Number(p.split(',')[1]));
    expect(ys[0]).toBe(ys[1]); // nothing destroyed on the 2nd: the line stays flat
    expect(ys[2]).toBeLessThan(ys[1] ?? 0); // and rises on the 3rd (SVG y grows downwards)
  });

  it('breaks down what is pending, one bar per reason that holds records', () => {
    const bars = [...page.matchAll(/<g><title>([a-z-]+): (\d+) \(/g)].map((m) => [m[1], Number(m[2])]);
    expect(bars).toEqual([
      ['no-lifecycle', 1],
      ['awaiting-cutoff', 2],
      ['on-hold', 1],
      ['due', 1],
    ]);
    expect(page.match(/class="pending-bar"/g)).toHaveLength(4);
    expect(page).toContain('objection awaiting a decision, or legal hold');
  });

  it('escapes every string it is given', () => {
    expect(page).not.toContain('<script');
    expect(page).not.toContain('alert("x")');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // the dossier row, the failure reason and the note: three places, all escaped
    expect(page.split('&lt;script&gt;').length - 1).toBe(3);
    const hostileNamespace = renderHtml({ ...report, namespace: '"><img src=x onerror=alert(1)>' });
    expect(hostileNamespace).not.toContain('<img');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('is self-contained: no script, no external resource, and a policy that forbids both', () => {
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    expect(page).not.toMatch(/https?:\/\/|\/\/[a-z]|\bsrc=|\bhref=|url\(|@import|<link|<iframe|<object|<embed/i);
    expect(page.match(/<svg\b/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('policies - lists each with its deadlines in its own zone', () => {
    expect(page).toMatch(
      /<td>source-case-2024<\/td><td class="n">5<\/td><td>Europe\/Amsterdam<\/td><td>2024-03-31 23:59:59\.999 \+02:00<\/td><td>2024-04-01 00:00:00 \+02:00<\/td>/,
    );
    expect(page).toMatch(/<td>offsets-only<\/td><td class="n">3<\/td><td>offset as written<\/td><td>2024-06-30T21:59:59Z<\/td>/);
  });

  it('says so when nothing has been destroyed yet, without an empty chart', () => {
    const none = renderHtml({ ...report, certificates: { total: 0, firstIssuedAt: null, lastIssuedAt: null, perDay: [] } });
    expect(none).toContain('No records destroyed yet.');
    expect(none).not.toContain('class="bar"');
  });
});

/** A visibility store in memory that evaluates the `A = 'x' AND B = true` queries the report sends. */
function fakeClient(workflows: { id: string; dossier: string; phase: LifecyclePhase; running: boolean }[], statuses: Record<string, Partial<RecordStatus>>) {
  const sent: string[] = [];
  const matches = (query: string, wf: (typeof workflows)[number]) =>
    query.split(' AND ').every((clause) => {
      const [field, value] = clause.split(' = ') as [string, string];
      const actual: Record<string, string> = {
        WorkflowType: "'recordLifecycle'",
        LifecyclePhase: `'${wf.phase}'`,
        Dossier: `'${wf.dossier}'`,
        ExecutionStatus: wf.running ? "'Running'" : "'Completed'",
        InquiryOpen: 'false',
        ResponseOverdue: 'false',
      };
      if (!(field in actual)) throw new Error(`unexpected clause ${clause}`);
      return actual[field] === value;
    });
  const client = {
    options: { namespace: 'fake' },
    connection: { withDeadline: (_: number, fn: () => Promise<unknown>) => fn() },
    workflow: {
      count: async (query: string) => {
        sent.push(query);
        return { count: workflows.filter((wf) => matches(query, wf)).length, groups: [] };
      },
      list: async function* ({ query }: { query: string }) {
        for (const wf of workflows.filter((w) => matches(query, w))) yield { workflowId: wf.id, typedSearchAttributes: { get: () => wf.dossier } };
      },
      getHandle: (id: string) => ({ query: async () => statuses[id] }),
    },
  };
  return { client: client as unknown as Client, sent };
}

/** Answers the report's registry queries by what each one selects. */
const fakeRegistry = (facts: { dossiers: object[]; days: object[] }) =>
  ({
    query: async (sql: string) => {
      const rows = (r: object[]) => ({ rows: r });
      if (sql.includes('FROM records r LEFT JOIN certificates')) return rows(facts.dossiers);
      if (sql.includes('to_char(issued_at')) return rows(facts.days);
      if (sql.includes('FROM inquiries)'))
        return rows([{ open: 0, open_matched: 0, destroyed: 0, explanations: 0, no_data: 0, confirmations: 0, overdue_alerts: 0 }]);
      if (sql.includes('count(*)::int AS total')) return rows([{ total: 0, records: 0, unverified: 0, not_erased: 0 }]);
      return rows([]);
    },
  }) as unknown as Pool;

describe('erasure report - collection from registry and visibility', () => {
  const workflows = [
    { id: 'record-R-1', dossier: 'D-1', phase: 'erased' as const, running: false },
    { id: 'record-R-2', dossier: 'D-1', phase: 'due' as const, running: true },
    // a run closed before erasure, restarted: its stale phase must not be counted
    { id: 'record-R-3', dossier: 'D-1', phase: 'due' as const, running: false },
    { id: 'record-R-3', dossier: 'D-1', phase: 'on-hold' as const, running: true },
    { id: 'record-R-4', dossier: 'D-2', phase: 'on-hold' as const, running: true },
  ];
  const statuses = {
    'record-R-3': { recordId: 'R-3', dossier: 'D-1', objection: { reference: 'BEZW-9', filedAt: '2024-04-01T00:00:00.000Z' } },
    'record-R-4': {
      recordId: 'R-4',
      dossier: 'D-2',
      legalHold: { reference: 'RB-1', placedAt: '2024-04-02T00:00:00.000Z', returnTo: 'due' as const },
      objection: { reference: 'BEZW-10', filedAt: '2024-04-03T00:00:00.000Z' },
    },
  };
  const registry = fakeRegistry({
    dossiers: [
      { dossier: 'D-1', imported: 4, erased: 1, without_lifecycle: 1, resurrected: 0 },
      { dossier: 'D-2', imported: 1, erased: 0, without_lifecycle: 0, resurrected: 0 },
      { dossier: "D-'; DROP", imported: 1, erased: 0, without_lifecycle: 0, resurrected: 0 },
    ],
    days: [{ day: '2024-04-01', n: 1, first: new Date('2024-04-01T08:00:00Z'), last: new Date('2024-04-01T08:00:00Z') }],
  });

  it('counts running lifecycles per phase and dossier, and classifies the holds', async () => {
    const { client, sent } = fakeClient(workflows, statuses);
    const report = await collectOperationReport({ registry, client, now: () => new Date('2024-04-05T00:00:00Z') });
    expect(report.phases).toEqual(phases({ erased: 1, due: 1, 'on-hold': 2 }));
    expect(report.dossiers.map((d) => [d.dossier, d.phases.due, d.phases['on-hold'], d.phases.erased])).toEqual([
      ['D-1', 1, 1, 1],
      ['D-2', 0, 1, 0],
      ["D-'; DROP", 0, 0, 0],
    ]);
    expect(report.holds).toMatchObject({ onHold: 2, objectionsAwaitingDecision: 1, legalHolds: 1, unclassified: 0 });
    expect(report.holds.items.find((h) => h.recordId === 'R-4')).toEqual({
      recordId: 'R-4',
      dossier: 'D-2',
      kind: 'legal-hold',
      reference: 'RB-1',
      since: '2024-04-02T00:00:00.000Z',
      pendingObjection: 'BEZW-10',
    });
    // 6 imported, 1 erased: 1 without lifecycle, 3 running, so 1 started lifecycle is not running (the odd dossier's)
    expect(report.pending.find((p) => p.key === 'lifecycle-not-running')?.records).toBe(1);
    expect(report.namespace).toBe('fake');
    expect(report.notes.join('\n')).toContain(`"D-'; DROP" are not identifiers`);
    expect(sent.some((q) => q.includes('DROP'))).toBe(false);
    expect(sent.filter((q) => q.includes("Dossier = 'D-2'")).length).toBeLessThan(lifecyclePhases.length);
  });

  it('refuses --json with --html before connecting to anything (the CLI checks the folder on its own machine)', async () => {
    const ctx = {
      registry: () => {
        throw new Error('connected');
      },
      client: () => Promise.reject(new Error('connected')),
      out: () => undefined,
      progress: () => undefined,
    } as unknown as CommandContext;
    await expect(reportCommand(ctx, { json: true, html: 'r.html' })).rejects.toThrow(/--html.*either --json or --html/s);
    await expect(reportCommand(ctx, { json: false, html: ' ' })).rejects.toThrow(/name the file to write/);
  });

  it("hands the HTML file to the person's machine and prints its path", async () => {
    const out: string[] = [];
    const delivered: DeliveredFile[] = [];
    const ctx = {
      registry: () => registry,
      client: () => Promise.resolve(fakeClient(workflows, statuses).client),
      out: (l: string) => out.push(l),
      progress: () => undefined,
      deliver: (f: DeliveredFile) => delivered.push(f),
    } as unknown as CommandContext;
    await reportCommand(ctx, { json: false, html: 'reports/report.html' });
    expect(out).toEqual(['reports/report.html']);
    expect(delivered).toEqual([{ path: 'reports/report.html', content: expect.stringContaining('<rect class="bar"') }]);
  });
});
