import { approveWaveSchema, type ApproveWave } from '../schemas/purge';
import { refusalText } from '../schemas/zod-problems';
import { refusal } from './definitions';

/** Where a purge run stands, as far as an approval is concerned. */
export interface ApprovalState {
  readonly runRef: string;
  readonly stage: string;
  readonly waves: number;
  /** The wave the run waits for a privacy officer to approve, if it waits. */
  readonly awaitingWave: number | undefined;
}

/** The validator of a wave's approval: a privacy officer, approving the very wave the run waits for. */
export function validateApproval(raw: unknown, run: ApprovalState): ApproveWave {
  const refused = (kind: 'invalid' | 'role' | 'state', why: string) => refusal(kind, `approval refused: ${why}`, { action: 'approve' });
  const parsed = approveWaveSchema.safeParse(raw);
  if (!parsed.success) throw refused('invalid', refusalText(parsed.error, '(approval)'));
  const { actor, wave } = parsed.data;
  if (actor.role !== 'privacy-officer') throw refused('role', `approving a wave is for the role privacy-officer, not ${actor.role} (${actor.user})`);
  if (run.awaitingWave === undefined)
    throw refused('state', `run ${run.runRef} is not waiting for an approval (stage ${run.stage}, ${run.waves} wave(s) released)`);
  if (wave !== run.awaitingWave) throw refused('state', `run ${run.runRef} waits for the approval of wave ${run.awaitingWave}, not wave ${wave}`);
  return parsed.data;
}
