import type { Client } from '@temporalio/client';
import { lifecyclePhases, type LifecyclePhase } from '../../schemas/lifecycle';
import { mapLimit } from './concurrency';
import { zeroPhases, type PhaseCounts } from './model';
import { workflowTypes } from '../../workflows/definitions';

export const LIFECYCLES = `WorkflowType = '${workflowTypes.recordLifecycle}'`;
/**
 * A lifecycle restarted by a purge run leaves its closed run in visibility with a stale
 * phase: phases before erasure are counted over running executions only.
 */
export const RUNNING = `ExecutionStatus = 'Running'`;
/** Dossier ids are identifiers (schemas/inventory.ts); anything else never goes into a query. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const PARALLELISM = 4;

/** Counting a dossier's phases stops once all its running lifecycles are found: the likely phases first. */
const LIKELY_FIRST: readonly LifecyclePhase[] = ['awaiting-cutoff', 'due', 'erasure-failed', 'on-hold', 'explanation-sent', 'retained'];
const PENDING_PHASES: readonly LifecyclePhase[] = [...LIKELY_FIRST, ...lifecyclePhases.filter((p) => p !== 'erased' && !LIKELY_FIRST.includes(p))];

export interface VisibilityFacts {
  readonly phases: PhaseCounts;
  readonly byDossier: ReadonlyMap<string, PhaseCounts>;
  /** Dossier ids that are not identifiers: not put into a visibility query. */
  readonly uncounted: readonly string[];
  readonly inquiryOpen: number;
  readonly responseOverdue: number;
}

/** The visibility query for the lifecycles in `phase` (of one dossier). */
export function phaseQuery(phase: LifecyclePhase, dossier?: string): string {
  const clauses = [LIFECYCLES, `LifecyclePhase = '${phase}'`];
  if (phase !== 'erased') clauses.push(RUNNING);
  if (dossier !== undefined) clauses.push(`Dossier = '${dossier}'`);
  return clauses.join(' AND ');
}

/**
 * One count per phase and per (dossier, phase), with modest parallelism: GROUP BY on
 * custom search attributes is not supported by every visibility store.
 */
export async function countPhases(client: Client, dossiers: readonly string[], onProgress?: (line: string) => void): Promise<VisibilityFacts> {
  const count = async (query: string): Promise<number> => (await client.workflow.count(query)).count;
  const totals = await mapLimit(lifecyclePhases, PARALLELISM, (phase) => count(phaseQuery(phase)));
  const [inquiryOpen = 0, responseOverdue = 0] = await mapLimit(['InquiryOpen', 'ResponseOverdue'], 2, (flag) =>
    count(`${LIFECYCLES} AND ${flag} = true AND ${RUNNING}`),
  );

  const countable = dossiers.filter((d) => IDENTIFIER.test(d));
  let done = 0;
  const perDossier = await mapLimit(countable, PARALLELISM, async (dossier) => {
    const phases = zeroPhases();
    const [running = 0, erased = 0] = await Promise.all([
      count(`${LIFECYCLES} AND ${RUNNING} AND Dossier = '${dossier}'`),
      count(phaseQuery('erased', dossier)),
    ]);
    phases.erased = erased;
    let found = 0;
    for (const phase of PENDING_PHASES) {
      if (found >= running) break;
      phases[phase] = await count(phaseQuery(phase, dossier));
      found += phases[phase];
    }
    done += 1;
    if (onProgress && countable.length > 50 && done % 50 === 0) onProgress(`  phases counted for ${done} of ${countable.length} dossiers`);
    return [dossier, phases] as const;
  });
  return {
    phases: Object.fromEntries(lifecyclePhases.map((p, i) => [p, totals[i] ?? 0])) as PhaseCounts,
    byDossier: new Map(perDossier),
    uncounted: dossiers.filter((d) => !IDENTIFIER.test(d)),
    inquiryOpen,
    responseOverdue,
  };
}
