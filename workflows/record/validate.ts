import { actionLabels, actionRoles, actionSchemas, type Action, type ActionName } from '../../schemas/actions';
import { releaseRequestSchema, type ReleaseRequest } from '../../schemas/purge';
import { refusalText } from '../../schemas/zod-problems';
import { refusal, releaseRefusal } from '../definitions';
import { notAuthenticText } from '../signed-action';
import type { ActionLedger } from './authenticity';
import type { RecordMachine } from './machine';

/**
 * The update validators of a record lifecycle, as plain functions of the machine and the
 * present instant: the payload, then the service's signature (only then is the actor
 * believed), then the role, then four eyes, then the machine's rules. Each refusal is a
 * typed failure that says why and what is allowed now; nothing is changed.
 */
export function validateAction<A extends ActionName>(machine: RecordMachine, ledger: ActionLedger, name: A, raw: unknown, now: number): Action<A> {
  const label = actionLabels[name];
  const parsed = actionSchemas[name].safeParse(raw);
  if (!parsed.success) throw refusal('invalid', `${label} refused: ${refusalText(parsed.error, '(action)')}`, { action: label });
  const action = parsed.data as Action<A>;
  const forged = ledger.authenticityProblem(name, raw, action, now);
  if (forged) throw refusal('unsigned', notAuthenticText(label, forged, `${label} ${machine.recordId} …`), { action: label });
  const roles = actionRoles[name];
  if (!roles.includes(action.actor.role)) {
    throw refusal('role', `${label} refused: it is for the role ${roles.join(' or ')}, not ${action.actor.role} (${action.actor.user})`, { action: label });
  }
  const sameAccount = ledger.fourEyesProblem(name, action);
  if (sameAccount) throw refusal('fourEyes', `${label} refused: ${sameAccount}`, { action: label });
  const why = machine.refusal(name, action, now);
  if (why) {
    const allowedNow = machine.allowedActions(now);
    throw refusal('state', `${label} refused: ${why}. Allowed now: ${allowedNow.length ? allowedNow.join(', ') : 'nothing (wait for the next deadline)'}`, {
      action: label,
      allowedNow,
    });
  }
  return action;
}

/** A purge run's release: refused, with the reason the run counts, unless the record may be released now. */
export function validateRelease(machine: RecordMachine, raw: unknown, now: number): ReleaseRequest {
  const parsed = releaseRequestSchema.safeParse(raw);
  if (!parsed.success) throw refusal('invalid', `release refused: ${refusalText(parsed.error, '(request)')}`, { action: 'release' });
  const answer = machine.releasability(now, parsed.data.runRef);
  if (!answer.releasable) throw releaseRefusal({ reason: answer.reason ?? 'already-released', detail: answer.detail ?? machine.describe() });
  return parsed.data;
}
