import type { Client } from '@temporalio/client';
import type { RecordStatus } from '../../schemas/lifecycle';
import { searchAttributes } from '../../schemas/search-attributes';
import { statusQuery } from '../../workflows';
import { mapLimit } from './concurrency';
import type { HoldEntry } from './model';
import { LIFECYCLES, RUNNING } from './visibility';

export interface HoldFacts {
  readonly items: readonly HoldEntry[];
  /** Why some on-hold lifecycles were not classified, for the notes. */
  readonly problem?: string;
}

const QUERY_DEADLINE_MS = 5_000;

/**
 * Visibility shows `on-hold` for an objection awaiting a decision and for a legal hold
 * alike; only the lifecycle itself knows which. Asks each on-hold lifecycle (up to `limit`)
 * for its status; when one does not answer (no worker running), asks no more.
 */
export async function describeHolds(client: Client, limit: number): Promise<HoldFacts> {
  const onHold: { workflowId: string; dossier: string }[] = [];
  let problem: string | undefined;
  for await (const wf of client.workflow.list({ query: `${LIFECYCLES} AND LifecyclePhase = 'on-hold' AND ${RUNNING}` })) {
    if (onHold.length >= limit) {
      problem = `only the first ${limit} on-hold records were asked whether they hold an objection or a legal hold`;
      break;
    }
    onHold.push({ workflowId: wf.workflowId, dossier: wf.typedSearchAttributes.get(searchAttributes.Dossier) ?? '' });
  }
  let gaveUp = false;
  const answers = await mapLimit(onHold, 4, async ({ workflowId }) => {
    if (gaveUp) return undefined;
    try {
      return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => client.workflow.getHandle(workflowId).query(statusQuery));
    } catch (err) {
      gaveUp = true;
      problem = `the lifecycles on hold did not answer a status query (is a worker running? ${(err as Error).message})`;
      return undefined;
    }
  });
  const items = answers.flatMap((status, i) => {
    const entry = status ? holdEntry(status) : undefined;
    return entry ? [{ ...entry, dossier: entry.dossier || (onHold[i]?.dossier ?? '') }] : [];
  });
  items.sort((a, b) => a.dossier.localeCompare(b.dossier) || a.recordId.localeCompare(b.recordId));
  return { items, ...(problem ? { problem } : {}) };
}

/** Objection or legal hold, from the lifecycle's own status; nothing if it is no longer on hold. */
export function holdEntry(status: RecordStatus): HoldEntry | undefined {
  const base = { recordId: status.recordId, dossier: status.dossier };
  if (status.legalHold) {
    return {
      ...base,
      kind: 'legal-hold',
      reference: status.legalHold.reference,
      since: status.legalHold.placedAt,
      pendingObjection: status.objection?.reference ?? null,
    };
  }
  if (status.objection) return { ...base, kind: 'objection', reference: status.objection.reference, since: status.objection.filedAt, pendingObjection: null };
  return undefined;
}
