import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { lifecyclePhases } from '../../schemas/lifecycle';
import { describeHolds, type HoldFacts } from './holds';
import { pendingKeys, pendingReasons, REPORT_FORMAT, zeroPhases, type DossierReport, type OperationReport, type PendingEntry, type PhaseCounts } from './model';
import { readRegistry, type RegistryFacts } from './registry';
import { countPhases, type VisibilityFacts } from './visibility';

export interface CollectDeps {
  readonly registry: Pool;
  readonly client: Client;
  readonly now?: () => Date;
  readonly onProgress?: (line: string) => void;
  /** How many on-hold lifecycles are asked whether they hold an objection or a legal hold. */
  readonly holdDetailLimit?: number;
}

/** Gathers the whole operation: authoritative figures from the registry, phases from Temporal visibility. */
export async function collectOperationReport(deps: CollectDeps): Promise<OperationReport> {
  const generatedAt = (deps.now ?? (() => new Date()))().toISOString();
  deps.onProgress?.('reading the registry');
  const registry = await readRegistry(deps.registry);
  deps.onProgress?.(`counting phases in Temporal visibility (${registry.dossiers.length} dossier(s))`);
  const visibility = await countPhases(
    deps.client,
    registry.dossiers.map((d) => d.dossier),
    deps.onProgress,
  );
  const holds = visibility.phases['on-hold'] > 0 ? await describeHolds(deps.client, deps.holdDetailLimit ?? 200) : { items: [] };
  return assembleReport({ generatedAt, namespace: deps.client.options.namespace, registry, visibility, holds });
}

const sumPending = (phases: PhaseCounts): number => lifecyclePhases.reduce((sum, p) => (p === 'erased' ? sum : sum + phases[p]), 0);

/** The report from the collected facts: pure, so the arithmetic and the notes are testable. */
export function assembleReport(facts: {
  generatedAt: string;
  namespace: string;
  registry: RegistryFacts;
  visibility: VisibilityFacts;
  holds: HoldFacts;
}): OperationReport {
  const { registry, visibility, holds } = facts;
  const notes: string[] = [
    'Erased counts come from the certificate ledger in the registry, which is authoritative. Phases come from Temporal visibility, which can lag a few seconds behind the lifecycles.',
    'Days are UTC days.',
  ];

  const dossiers: DossierReport[] = registry.dossiers.map((d) => {
    const phases = visibility.byDossier.get(d.dossier) ?? zeroPhases();
    const lifecycleNotRunning = Math.max(0, d.imported - d.erased - d.withoutLifecycle - sumPending(phases));
    return { ...d, lifecycleNotRunning, phases };
  });
  const sum = (pick: (d: DossierReport) => number) => dossiers.reduce((total, d) => total + pick(d), 0);
  const imported = sum((d) => d.imported);
  const erased = registry.certificates.total;
  const withoutLifecycle = sum((d) => d.withoutLifecycle);
  const pendingTotal = imported - erased;

  const running = sumPending(visibility.phases);
  const lifecycleNotRunning = Math.max(0, pendingTotal - withoutLifecycle - running);
  const pending: PendingEntry[] = pendingKeys.map((key) => {
    const records = key === 'no-lifecycle' ? withoutLifecycle : key === 'lifecycle-not-running' ? lifecycleNotRunning : visibility.phases[key];
    return { key, records, reason: pendingReasons[key] };
  });

  if (visibility.phases.erased !== erased) {
    notes.push(`Temporal visibility shows ${visibility.phases.erased} lifecycle(s) erased, the ledger ${erased} certificate(s); the ledger counts.`);
  }
  if (running > pendingTotal - withoutLifecycle) {
    notes.push(
      `Temporal visibility shows ${running} lifecycle(s) not yet erased, ${running - (pendingTotal - withoutLifecycle)} more than the registry has pending records with a lifecycle (erased moments ago, or visibility lags).`,
    );
  }
  if (visibility.uncounted.length > 0)
    notes.push(`Dossier id(s) ${visibility.uncounted.map((d) => JSON.stringify(d)).join(', ')} are not identifiers; their phases were not counted.`);

  const objections = holds.items.filter((h) => h.kind === 'objection').length;
  const legalHolds = holds.items.filter((h) => h.kind === 'legal-hold').length;
  const unclassified = Math.max(0, visibility.phases['on-hold'] - objections - legalHolds);
  if (holds.problem) notes.push(`Objections and legal holds: ${holds.problem}; ${unclassified} on-hold record(s) are not classified.`);

  return {
    format: REPORT_FORMAT,
    generatedAt: facts.generatedAt,
    namespace: facts.namespace,
    totals: { imported, erased, pending: pendingTotal, withoutLifecycle, resurrected: sum((d) => d.resurrected) },
    phases: visibility.phases,
    pending,
    dossiers,
    policies: registry.policies,
    inquiries: { ...registry.inquiries, recordsWithOpenInquiry: visibility.inquiryOpen, recordsResponseOverdue: visibility.responseOverdue },
    holds: {
      onHold: visibility.phases['on-hold'],
      objectionsAwaitingDecision: objections,
      legalHolds,
      unclassified,
      retained: visibility.phases.retained,
      items: holds.items,
    },
    certificates: registry.certificates,
    purgeRuns: registry.purgeRuns,
    resurrections: registry.resurrections,
    erasureFailures: registry.erasureFailures,
    notes,
  };
}
