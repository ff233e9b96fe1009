import { approveWaveSchema, purgeStartSchema, type ApproveWave, type PurgeStart } from '../schemas/purge';
import { purgeStartSubject, signedStarts } from '../schemas/signed-action';
import { refusalText } from '../schemas/zod-problems';
import { refusal, type RefusalKind } from './definitions';
import { notAuthenticText, signatureProblem } from './signed-action';

/** Where a purge run stands, as far as an approval is concerned. */
export interface ApprovalState {
  readonly runRef: string;
  readonly stage: string;
  readonly waves: number;
  /** The wave the run waits for a privacy officer to approve, if it waits. */
  readonly awaitingWave: number | undefined;
  /** The service's public keys the run was started with. */
  readonly keys: readonly string[];
  /** The account that started the run (or created its schedule). */
  readonly startedBy: PurgeStart;
  /** Workflow time. */
  readonly now: number;
  readonly usedNonces: { has(nonce: string): boolean };
}

/**
 * The validator of a wave's approval: signed by the erasure service, by a privacy officer
 * other than the account that started the run (four eyes), approving the very wave the run waits for.
 */
export function validateApproval(raw: unknown, run: ApprovalState): ApproveWave {
  const refused = (kind: RefusalKind, why: string) => refusal(kind, `approval refused: ${why}`, { action: 'approve' });
  const parsed = approveWaveSchema.safeParse(raw);
  if (!parsed.success) throw refused('invalid', refusalText(parsed.error, '(approval)'));
  const { actor, wave } = parsed.data;
  const forged = signatureProblem({ keys: run.keys, workflowId: run.runRef, update: 'approveWave', body: raw, now: run.now, usedNonces: run.usedNonces });
  if (forged) {
    throw refusal('unsigned', notAuthenticText('approval', forged, `purge approve ${run.runRef} --wave ${wave}`), { action: 'approve' });
  }
  // Judged here, not when the run starts: only approvals rest on who started it, and a validator runs once, never on replay.
  const unsignedStart = startProblem(run.startedBy, run.keys, run.runRef);
  if (unsignedStart) {
    throw refusal(
      'unsigned',
      `approval refused: run ${run.runRef} was not started through the erasure service (${unsignedStart}), so no wave of it can be approved`,
      {
        action: 'approve',
      },
    );
  }
  if (actor.role !== 'privacy-officer') throw refused('role', `approving a wave is for the role privacy-officer, not ${actor.role} (${actor.user})`);
  if (actor.user === run.startedBy.actor.user) {
    const what = run.startedBy.scheduleId ? `created the purge schedule ${run.startedBy.scheduleId}` : `started run ${run.runRef}`;
    throw refused('fourEyes', `approving a wave needs a privacy officer other than ${actor.user}, who ${what}`);
  }
  if (run.awaitingWave === undefined)
    throw refused('state', `run ${run.runRef} is not waiting for an approval (stage ${run.stage}, ${run.waves} wave(s) released)`);
  if (wave !== run.awaitingWave) throw refused('state', `run ${run.runRef} waits for the approval of wave ${run.awaitingWave}, not wave ${wave}`);
  return parsed.data;
}

/**
 * Why the run's `startedBy` is not the service's word, or undefined. No freshness window: a
 * schedule starts runs months after it was created. Without it the four-eyes rule could be
 * dodged by naming someone else as the starter. `runRef` is the run's first workflow id (its
 * runs after continue-as-new keep it).
 */
export function startProblem(raw: unknown, keys: readonly string[], runWorkflowId: string): string | undefined {
  const parsed = purgeStartSchema.safeParse(raw);
  if (!parsed.success) return refusalText(parsed.error, '(startedBy)');
  return signatureProblem({ keys, workflowId: purgeStartSubject(runWorkflowId, parsed.data.scheduleId), update: signedStarts.purgeRun, body: raw });
}
