import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { actionLabels, actionRoles, type ActionInput, type ActionName } from '../../schemas/actions';
import { ErasureError, InvalidInputError } from '../../schemas/errors';
import { recordWorkflowId, type RecordStatus } from '../../schemas/lifecycle';
import { actionUpdates } from '../../workflows';
import type { CommandContext } from '../../service/command-context';

const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/**
 * Sends one coordinator action to a record's lifecycle as a Workflow Update. The
 * workflow's validator refuses what does not fit the phase; its message is shown as is.
 */
export async function sendAction<A extends ActionName>(
  ctx: CommandContext,
  name: A,
  recordId: string,
  payload: Omit<ActionInput<A>, 'actor'>,
): Promise<RecordStatus> {
  if (!RECORD_ID.test(recordId)) throw new InvalidInputError(name, [{ field: 'recordId', message: `"${recordId}" is not a record id` }]);
  const actor = ctx.actor(actionRoles[name], actionLabels[name]);
  const client = await ctx.client();
  try {
    const update = actionUpdates[name];
    const workflowId = recordWorkflowId(recordId);
    // Signed by the service for this record, this update and this moment: the validator believes nothing else.
    const signed = ctx.signer.sign(workflowId, update.name, { ...payload, actor } as ActionInput<A>);
    return await client.workflow.getHandle(workflowId).executeUpdate(update, { args: [signed] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      // The validator's message already says what was refused, why, and what is allowed.
      throw new ErasureError('INVALID_INPUT', err.cause?.message ?? err.message);
    }
    if (err instanceof WorkflowNotFoundError) {
      throw new InvalidInputError(`record ${recordId}`, [{ field: 'recordId', message: 'has no lifecycle; import it and run `erasure start`' }]);
    }
    throw err;
  }
}

/** Prints the outcome: the new phase and the event the action added. */
export function reportAction(ctx: CommandContext, status: RecordStatus): void {
  const last = status.history.at(-1);
  ctx.out(`record ${status.recordId}: ${status.phase}${last ? ` — ${last.note}` : ''}`);
  if (status.allowedActions.length) ctx.out(`next possible actions: ${status.allowedActions.join(', ')}`);
}
