import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, defineUpdate, setHandler } from '@temporalio/workflow';
import { actionLabels, actionRoles, actionSchemas, type Action, type ActionInput, type ActionName } from '../schemas/actions';
import type { StorageSystem } from '../schemas/inventory';
import type { RecordStatus } from '../schemas/lifecycle';
import type { Policy } from '../schemas/policy';
import { addDuration, ERASURE_PHASES, type LifecycleState } from './lifecycle-state';
import { refusalText } from '../schemas/zod-problems';

type Update<A extends ActionName> = UpdateDefinition<RecordStatus, [ActionInput<A>], A>;

/** One Workflow Update per coordinator action; each returns the record's new status. */
export const actionUpdates: { [A in ActionName]: Update<A> } = {
  registerInquiry: defineUpdate('registerInquiry'),
  recordConsent: defineUpdate('recordConsent'),
  confirmIdentity: defineUpdate('confirmIdentity'),
  sendExplanation: defineUpdate('sendExplanation'),
  fileObjection: defineUpdate('fileObjection'),
  decideObjection: defineUpdate('decideObjection'),
  placeHold: defineUpdate('placeHold'),
  releaseHold: defineUpdate('releaseHold'),
  retryErasure: defineUpdate('retryErasure'),
};

export interface ActionContext {
  readonly state: LifecycleState;
  readonly input: { recordId: string; systems: StorageSystem[]; policy: Policy };
  readonly sendExplanation: (input: {
    recordId: string;
    inquiryId: string;
    systems: StorageSystem[];
    language: 'nl' | 'en';
    objectionPeriod: string;
    consultedSince: string;
    timeZone?: string;
  }) => Promise<{ messageId: string; sentAt: string; objectionPeriodEnds: string }>;
}

/**
 * Why an action cannot be taken now, or undefined when it can. Phase rules only; the
 * payload and the role are checked before this.
 */
function refusal<A extends ActionName>(name: A, action: Action<A>, state: LifecycleState): string | undefined {
  const inquiry = state.inquiry;
  const where = state.describePhase();
  const erasing = ERASURE_PHASES.includes(state.phase);
  switch (name) {
    case 'registerInquiry': {
      const { receivedAt } = action as Action<'registerInquiry'>;
      if (Date.parse(receivedAt) > Date.parse(state.policy.inquiryCutoff)) {
        return `the inquiry was received ${receivedAt}, after the inquiry cutoff ${state.policy.inquiryCutoff}; only inquiries received before the cutoff open the inquiry path`;
      }
      if (inquiry) return `${where}; inquiry ${inquiry.inquiryId} was already registered on ${inquiry.receivedAt}`;
      if (state.legalHold || !['awaiting-cutoff', 'due'].includes(state.phase)) return `${where}; an inquiry can be registered while the record awaits the cutoff or destruction`;
      return undefined;
    }
    case 'recordConsent':
      return state.phase === 'awaiting-consent' && !state.legalHold ? undefined : `${where}; consent is recorded in awaiting-consent`;
    case 'confirmIdentity':
      return state.phase === 'identity-check' && !state.legalHold ? undefined : `${where}; the identity is confirmed in identity-check`;
    case 'sendExplanation':
      if (inquiry?.explanationPending) return `${where}; the explanation is being sent`;
      return state.phase === 'consultation' && !state.legalHold ? undefined : `${where}; the explanation is sent in consultation`;
    case 'fileObjection':
      // Too late is the reason to give, whatever phase the record moved on to since.
      if (!state.objection && inquiry?.objectionPeriodEnds && Date.now() >= Date.parse(inquiry.objectionPeriodEnds)) {
        const ended = `the objection period of record ${state.input.recordId} ended on ${inquiry.objectionPeriodEnds} (${state.policy.objectionPeriod} after the explanation was sent on ${inquiry.explanationSentAt ?? '?'})`;
        // Until its timer fires the record still reads "in its objection period": say only that it ended.
        return state.phase === 'explanation-sent' ? ended : `${ended}; ${where}`;
      }
      // A legal hold does not take the requester's right to object away.
      if (state.effectivePhase !== 'explanation-sent') return `${where}; an objection is filed during the objection period`;
      return undefined;
    case 'decideObjection': {
      const { outcome } = action as Action<'decideObjection'>;
      if (state.legalHold) return `${where}; release the hold first`;
      if (state.phase === 'on-hold' && state.objection) return undefined;
      if (state.phase === 'retained' && outcome === 'proceed') return undefined;
      return `${where}; a decision is recorded on an objection (on-hold), or to end a retention (retained, proceed)`;
    }
    case 'placeHold':
      if (state.legalHold) return `${where}; release it before placing another`;
      if (inquiry?.explanationPending) return `${where}; the explanation is being sent — place the hold once it is out`;
      return erasing ? `${where}; erasure has begun, so a hold can no longer stop it` : undefined;
    case 'releaseHold': {
      const { reference } = action as Action<'releaseHold'>;
      if (!state.legalHold) return `${where}; there is no legal hold to release`;
      return reference === state.legalHold.reference ? undefined : `the record is held under ${state.legalHold.reference}, not ${reference}`;
    }
    case 'retryErasure':
      return state.phase === 'erasure-failed' ? undefined : `${where}; only a record in erasure-failed can be retried`;
  }
  return undefined;
}

/** Actions that would be accepted now (for any role), by CLI name. */
export function allowedActions(state: LifecycleState): string[] {
  const probe: { [A in ActionName]: Action<A> } = {
    registerInquiry: { actor: { user: 'probe', role: 'coordinator' }, inquiryId: '00000000-0000-4000-8000-000000000000', receivedAt: state.policy.inquiryCutoff },
    recordConsent: { actor: { user: 'probe', role: 'coordinator' }, given: true },
    confirmIdentity: { actor: { user: 'probe', role: 'coordinator' } },
    sendExplanation: { actor: { user: 'probe', role: 'screened-reviewer' }, language: 'nl' },
    fileObjection: { actor: { user: 'probe', role: 'coordinator' }, reference: 'probe' },
    decideObjection: { actor: { user: 'probe', role: 'privacy-officer' }, outcome: 'proceed', reason: 'probe', decisionRef: 'probe' },
    placeHold: { actor: { user: 'probe', role: 'privacy-officer' }, reference: 'probe', reason: 'probe' },
    releaseHold: { actor: { user: 'probe', role: 'privacy-officer' }, reference: state.legalHold?.reference ?? 'probe' },
    retryErasure: { actor: { user: 'probe', role: 'coordinator' }, reason: 'probe' },
  };
  return (Object.keys(probe) as ActionName[]).filter((name) => refusal(name, probe[name], state) === undefined).map((name) => actionLabels[name]);
}

function validate<A extends ActionName>(name: A, raw: ActionInput<A>, state: LifecycleState): Action<A> {
  const parsed = actionSchemas[name].safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${actionLabels[name]} refused: ${refusalText(parsed.error, '(action)')}`);
  }
  const action = parsed.data as Action<A>;
  const allowedRoles = actionRoles[name];
  if (!allowedRoles.includes(action.actor.role)) {
    throw new Error(`${actionLabels[name]} refused: it is for the role ${allowedRoles.join(' or ')}, not ${action.actor.role} (${action.actor.user})`);
  }
  const why = refusal(name, action, state);
  if (why) {
    const allowed = allowedActions(state);
    throw new Error(`${actionLabels[name]} refused: ${why}. Allowed now: ${allowed.length ? allowed.join(', ') : 'nothing (wait for the next deadline)'}`);
  }
  return action;
}

const by = (action: { actor: { user: string; role: string } }) => `${action.actor.user} (${action.actor.role})`;

/** Registers every action's handler with its validator; refused actions never reach history. */
export function registerActionHandlers(ctx: ActionContext): void {
  const { state, input } = ctx;
  const on = <A extends ActionName>(name: A, handle: (action: Action<A>) => Promise<void> | void) => {
    const update = actionUpdates[name] as unknown as UpdateDefinition<RecordStatus, [unknown]>;
    setHandler(
      update,
      async (raw: unknown) => {
        await handle(actionSchemas[name].parse(raw) as Action<A>);
        return state.status(allowedActions(state));
      },
      { validator: (raw: unknown) => void validate(name, raw as ActionInput<A>, state) },
    );
  };

  on('registerInquiry', (a) => {
    state.inquiry = {
      inquiryId: a.inquiryId,
      receivedAt: a.receivedAt,
      // GDPR art. 12(3): the requester is answered within the response deadline.
      responseDue: addDuration(a.receivedAt, input.policy.responseDeadline),
      responseOverdue: false,
    };
    state.enter('awaiting-consent', by(a), `inquiry ${a.inquiryId} received ${a.receivedAt}; awaiting the requester's consent`, 'inquiry');
  });

  on('recordConsent', (a) => {
    state.inquiry!.consent = a.given;
    if (a.given) state.enter('identity-check', by(a), 'consent given for a screened consultation', 'consent');
    // Without consent no one looks at the data again; it is destroyed after the cutoff.
    else state.enter('awaiting-cutoff', by(a), 'consent refused: no consultation; the record is destroyed after the cutoff', 'consent');
  });

  on('confirmIdentity', (a) => {
    state.inquiry!.identityConfirmedAt = new Date().toISOString();
    state.enter('consultation', by(a), "requester's identity confirmed; open for a screened consultation", 'identity');
  });

  on('sendExplanation', async (a) => {
    const inquiry = state.inquiry!;
    inquiry.explanationPending = true;
    try {
      // 6 weeks by default: the Dutch administrative objection term (Awb 6:7), counted by
      // the activity from the moment the mail is handed over.
      const { messageId, sentAt, objectionPeriodEnds } = await ctx.sendExplanation({
        recordId: input.recordId,
        inquiryId: inquiry.inquiryId,
        systems: input.systems,
        language: a.language,
        objectionPeriod: input.policy.objectionPeriod,
        consultedSince: inquiry.identityConfirmedAt!,
        ...(input.policy.timeZone ? { timeZone: input.policy.timeZone } : {}),
      });
      Object.assign(inquiry, { explanationSentAt: sentAt, explanationMessageId: messageId, objectionPeriodEnds });
      state.enter('explanation-sent', by(a), `explanation sent (${a.language}, message ${messageId}); objection period until ${objectionPeriodEnds}`, 'explain');
    } catch (err) {
      // The action fails (the coordinator sees why); the record stays in consultation.
      throw ApplicationFailure.nonRetryable(`explain failed: ${err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err)}`, 'EXPLANATION_NOT_SENT');
    } finally {
      inquiry.explanationPending = false;
    }
  });

  on('fileObjection', (a) => {
    state.objection = { reference: a.reference, filedAt: new Date().toISOString() };
    if (state.legalHold) {
      state.legalHold.returnTo = 'on-hold';
      state.note(by(a), `objection ${a.reference} filed during legal hold ${state.legalHold.reference}; it awaits a decision after the release`, 'object');
    } else {
      state.enter('on-hold', by(a), `objection ${a.reference} filed; destruction suspended until a decision`, 'object');
    }
  });

  on('decideObjection', (a) => {
    const at = new Date().toISOString();
    state.decisions.push({ outcome: a.outcome, reason: a.reason, decisionRef: a.decisionRef, at });
    state.objection = undefined;
    if (a.outcome === 'proceed') {
      state.reviewDue = undefined;
      state.enter('due', by(a), `decision ${a.decisionRef}: proceed (${a.reason})`, 'decide');
    } else {
      state.reviewDue = addDuration(at, input.policy.retentionReview);
      state.enter('retained', by(a), `decision ${a.decisionRef}: retain (${a.reason}); review due ${state.reviewDue}`, 'decide');
    }
  });

  on('placeHold', (a) => {
    state.legalHold = { reference: a.reference, placedAt: new Date().toISOString(), returnTo: state.phase };
    state.enter('on-hold', by(a), `legal hold ${a.reference} placed (${a.reason}); everything suspended`, 'hold');
  });

  on('releaseHold', (a) => {
    const hold = state.legalHold!;
    state.legalHold = undefined;
    // Back where it was; deadlines that passed meanwhile are honoured by the main loop at once.
    state.enter(hold.returnTo, by(a), `legal hold ${hold.reference} released; back to ${hold.returnTo}`, 'release');
  });

  on('retryErasure', (a) => {
    state.enter('due', by(a), `retry requested: ${a.reason}`, 'retry');
  });
}
