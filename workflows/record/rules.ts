import { durationMs } from '../../schemas/duration';
import type { Action, ActionName } from '../../schemas/actions';
import { ERASURE_PHASES, type IdentityCheck, type LifecycleEvent, type LifecyclePhase } from '../../schemas/lifecycle';
import type { Policy } from '../../schemas/policy';
import type { SkipReason } from '../../schemas/purge';

/**
 * The record lifecycle's rules as tables (docs/ARCHITECTURE.md, "The record lifecycle"):
 * the timers and what each does when it fires, where each coordinator action is allowed
 * and what it does, and why a record in each phase is not released. `RecordMachine`
 * derives everything from these: refusals, allowed actions, releasability and the next
 * deadline. Times are passed in; nothing here reads a clock.
 */

export interface InquiryState {
  inquiryId: string;
  receivedAt: string;
  responseDue: string;
  consent?: boolean;
  identity?: IdentityCheck;
  explanationPending?: boolean;
  explanationSentAt?: string;
  explanationMessageId?: string;
  objectionPeriodEnds?: string;
  responseOverdue: boolean;
}

/** Everything the machine knows; only `RecordMachine` holds one and changes it. */
export interface RecordState {
  readonly recordId: string;
  readonly dossier: string;
  readonly policy: Policy;
  phase: LifecyclePhase;
  readonly history: LifecycleEvent[];
  inquiry?: InquiryState;
  objection?: { reference: string; filedAt: string };
  readonly decisions: { outcome: 'proceed' | 'retain'; reason: string; decisionRef: string; at: string }[];
  legalHold?: { reference: string; placedAt: string; returnTo: LifecyclePhase };
  reviewDue?: string;
  reviewNotified: boolean;
  /** Who released the record for erasure (a purge run; kept through a coordinator's retry). */
  released?: string;
  /** A release that arrived as a signal (signal-with-start): judged once time has been applied. */
  releaseRequested?: string;
  /** Released to a purge wave's batch: the ticket its outcome must carry (docs/ARCHITECTURE.md, "Batched erasure"). */
  erasureTicket?: string;
  certificateId?: string;
  erasedAt?: string;
  lastError?: string;
}

export const addDuration = (from: string, duration: string): string => new Date(Date.parse(from) + durationMs(duration)).toISOString();

const INQUIRY_PATH: readonly LifecyclePhase[] = ['awaiting-consent', 'identity-check', 'consultation'];

/** The phase the record is in, or returns to when a legal hold is released. */
export const effectivePhase = (s: RecordState): LifecyclePhase => s.legalHold?.returnTo ?? s.phase;

/** What firing a timer does: move the record to another phase, or alert the coordinators. */
export type TimerEffect =
  | { readonly enter: LifecyclePhase; readonly note: (s: RecordState) => string }
  | { readonly alert: 'response-overdue' | 'retention-review'; readonly mark: (s: RecordState) => void; readonly note: (s: RecordState) => string };

export interface Timer {
  /** The timer's name, as the Temporal UI shows it. */
  readonly name: string;
  /** Its instant in the record's present state, or undefined when it is not running. */
  readonly at: (s: RecordState) => string | undefined;
  readonly effect: TimerEffect;
}

/**
 * Every durable timer of a record. A legal hold suspends all of them but the response
 * deadline (GDPR art. 12(3) keeps running under a hold); on release the ones that passed
 * fire at once.
 */
export const timers: readonly Timer[] = [
  {
    name: 'inquiry cutoff',
    at: (s) => (s.phase === 'awaiting-cutoff' && !s.legalHold ? s.policy.inquiryCutoff : undefined),
    effect: { enter: 'due', note: (s) => `inquiry cutoff passed; destruction may start from ${s.policy.purgeStart}` },
  },
  {
    name: 'objection period',
    at: (s) => (s.phase === 'explanation-sent' && !s.legalHold ? s.inquiry?.objectionPeriodEnds : undefined),
    effect: { enter: 'due', note: (s) => `objection period ended ${s.inquiry?.objectionPeriodEnds ?? '?'} without an objection` },
  },
  {
    name: 'response deadline',
    at: (s) =>
      s.inquiry && !s.inquiry.responseOverdue && !s.inquiry.explanationSentAt && INQUIRY_PATH.includes(effectivePhase(s)) ? s.inquiry.responseDue : undefined,
    effect: {
      alert: 'response-overdue',
      mark: (s) => {
        if (s.inquiry) s.inquiry.responseOverdue = true;
      },
      note: (s) => `response deadline ${s.inquiry?.responseDue ?? '?'} passed without an explanation; alerting the coordinators`,
    },
  },
  {
    name: 'retention review',
    at: (s) => (s.phase === 'retained' && !s.legalHold && !s.reviewNotified ? s.reviewDue : undefined),
    effect: {
      alert: 'retention-review',
      mark: (s) => {
        s.reviewNotified = true;
      },
      note: (s) => `retention review due since ${s.reviewDue ?? '?'}; alerting the coordinators`,
    },
  },
];

/** The timers that have fired by `now`, in table order. */
export const firedTimers = (s: RecordState, now: number): Timer[] =>
  timers.filter((t) => {
    const at = t.at(s);
    return at !== undefined && now >= Date.parse(at);
  });

/** A human-readable account of where the record stands, for refusal messages. */
export function describe(s: RecordState): string {
  const id = `record ${s.recordId}`;
  if (s.legalHold) return `${id} is on legal hold ${s.legalHold.reference} since ${s.legalHold.placedAt}`;
  switch (s.phase) {
    case 'awaiting-cutoff':
      return `${id} is in awaiting-cutoff until ${s.policy.inquiryCutoff}`;
    case 'due':
      return `${id} is due for destruction from ${s.policy.purgeStart}`;
    case 'explanation-sent':
      return `${id} is in its objection period until ${s.inquiry?.objectionPeriodEnds ?? '?'}; the explanation was sent on ${s.inquiry?.explanationSentAt ?? '?'}`;
    case 'on-hold':
      return `${id} is on hold: objection ${s.objection?.reference ?? '?'} awaits a decision`;
    case 'retained':
      return `${id} is retained after decision ${s.decisions.at(-1)?.decisionRef ?? '?'} (review due ${s.reviewDue ?? '?'})`;
    default:
      return `${id} is in ${s.phase}`;
  }
}

/**
 * Why an action cannot be taken now, or undefined when it can. Without `action` only the
 * state is judged (which actions are allowed now); with it, its values too. The payload
 * and the role are checked before this.
 */
type ActionRule<A extends ActionName> = (s: RecordState, now: number, action?: Action<A>) => string | undefined;

export const actionRules: { readonly [A in ActionName]: ActionRule<A> } = {
  registerInquiry: (s, _now, action) => {
    if (action && Date.parse(action.receivedAt) > Date.parse(s.policy.inquiryCutoff)) {
      return `the inquiry was received ${action.receivedAt}, after the inquiry cutoff ${s.policy.inquiryCutoff}; only inquiries received before the cutoff open the inquiry path`;
    }
    if (s.inquiry) return `${describe(s)}; inquiry ${s.inquiry.inquiryId} was already registered on ${s.inquiry.receivedAt}`;
    if (s.legalHold || !['awaiting-cutoff', 'due'].includes(s.phase))
      return `${describe(s)}; an inquiry can be registered while the record awaits the cutoff or destruction`;
    return undefined;
  },
  recordConsent: (s) => (s.phase === 'awaiting-consent' && !s.legalHold ? undefined : `${describe(s)}; consent is recorded in awaiting-consent`),
  confirmIdentity: (s) => (s.phase === 'identity-check' && !s.legalHold ? undefined : `${describe(s)}; the identity is confirmed in identity-check`),
  sendExplanation: (s) => {
    if (s.inquiry?.explanationPending) return `${describe(s)}; the explanation is being sent`;
    return s.phase === 'consultation' && !s.legalHold ? undefined : `${describe(s)}; the explanation is sent in consultation`;
  },
  fileObjection: (s, now) => {
    const ends = s.inquiry?.objectionPeriodEnds;
    // Too late is the reason to give, whatever phase the record moved on to since.
    if (!s.objection && ends && now >= Date.parse(ends)) {
      const ended = `the objection period of record ${s.recordId} ended on ${ends} (${s.policy.objectionPeriod} after the explanation was sent on ${s.inquiry?.explanationSentAt ?? '?'})`;
      // Until its timer fires the record still reads "in its objection period": say only that it ended.
      return s.phase === 'explanation-sent' ? ended : `${ended}; ${describe(s)}`;
    }
    // A legal hold does not take the requester's right to object away.
    return effectivePhase(s) === 'explanation-sent' ? undefined : `${describe(s)}; an objection is filed during the objection period`;
  },
  decideObjection: (s, _now, action) => {
    if (s.legalHold) return `${describe(s)}; release the hold first`;
    if (s.phase === 'on-hold' && s.objection) return undefined;
    if (s.phase === 'retained' && action?.outcome !== 'retain') return undefined;
    return `${describe(s)}; a decision is recorded on an objection (on-hold), or to end a retention (retained, proceed)`;
  },
  placeHold: (s) => {
    if (s.legalHold) return `${describe(s)}; release it before placing another`;
    if (s.inquiry?.explanationPending) return `${describe(s)}; the explanation is being sent — place the hold once it is out`;
    return ERASURE_PHASES.includes(s.phase) ? `${describe(s)}; erasure has begun, so a hold can no longer stop it` : undefined;
  },
  releaseHold: (s, _now, action) => {
    if (!s.legalHold) return `${describe(s)}; there is no legal hold to release`;
    return action && action.reference !== s.legalHold.reference ? `the record is held under ${s.legalHold.reference}, not ${action.reference}` : undefined;
  },
  retryErasure: (s) =>
    s.phase === 'erasure-failed' || (s.phase === 'erasing' && s.erasureTicket)
      ? undefined
      : `${describe(s)}; only a record in erasure-failed (or waiting for a purge wave's batch) can be retried`,
};

/** What an accepted action does: it changes the state and names the phase it enters (none: it stays) and the note. */
export type ActionEffect<A extends ActionName> = (s: RecordState, action: Action<A>, at: string) => { readonly enter?: LifecyclePhase; readonly note: string };

/** The transitions of the coordinator actions (the explanation's are the machine's: it waits for the mail). */
export const actionEffects: { readonly [A in Exclude<ActionName, 'sendExplanation'>]: ActionEffect<A> } = {
  registerInquiry: (s, { inquiryId, receivedAt }) => {
    // GDPR art. 12(3): the requester is answered within the response deadline.
    s.inquiry = { inquiryId, receivedAt, responseDue: addDuration(receivedAt, s.policy.responseDeadline), responseOverdue: false };
    return { enter: 'awaiting-consent', note: `inquiry ${inquiryId} received ${receivedAt}; awaiting the requester's consent` };
  },
  recordConsent: (s, { given }) => {
    s.inquiry!.consent = given;
    // Without consent no one looks at the data again; it is destroyed after the cutoff.
    return given
      ? { enter: 'identity-check', note: 'consent given for a screened consultation' }
      : { enter: 'awaiting-cutoff', note: 'consent refused: no consultation; the record is destroyed after the cutoff' };
  },
  confirmIdentity: (s, { method, reference }, at) => {
    s.inquiry!.identity = { method, reference, confirmedAt: at };
    return { enter: 'consultation', note: `requester's identity confirmed (${method}, reference ${reference}); open for a screened consultation` };
  },
  fileObjection: (s, { reference }, at) => {
    s.objection = { reference, filedAt: at };
    if (!s.legalHold) return { enter: 'on-hold', note: `objection ${reference} filed; destruction suspended until a decision` };
    s.legalHold.returnTo = 'on-hold';
    return { note: `objection ${reference} filed during legal hold ${s.legalHold.reference}; it awaits a decision after the release` };
  },
  decideObjection: (s, { outcome, reason, decisionRef }, at) => {
    s.decisions.push({ outcome, reason, decisionRef, at });
    s.objection = undefined;
    if (outcome === 'proceed') {
      s.reviewDue = undefined;
      return { enter: 'due', note: `decision ${decisionRef}: proceed (${reason})` };
    }
    s.reviewDue = addDuration(at, s.policy.retentionReview);
    s.reviewNotified = false;
    return { enter: 'retained', note: `decision ${decisionRef}: retain (${reason}); review due ${s.reviewDue}` };
  },
  placeHold: (s, { reference, reason }, at) => {
    s.legalHold = { reference, placedAt: at, returnTo: s.phase };
    return { enter: 'on-hold', note: `legal hold ${reference} placed (${reason}); everything suspended` };
  },
  releaseHold: (s) => {
    const hold = s.legalHold!;
    s.legalHold = undefined;
    // Back where it was; timers that passed meanwhile fire at the next `advance`.
    return { enter: hold.returnTo, note: `legal hold ${hold.reference} released; back to ${hold.returnTo}` };
  },
  retryErasure: (_s, { reason }) => ({ enter: 'due', note: `retry requested: ${reason}` }),
};

/** Why a purge run may not release a record in each phase other than `due` (the reason it counts). */
export const notReleasableIn: Readonly<Record<Exclude<LifecyclePhase, 'due'>, SkipReason>> = {
  registered: 'not-due-yet',
  'awaiting-cutoff': 'not-due-yet',
  'awaiting-consent': 'inquiry-open',
  'identity-check': 'inquiry-open',
  consultation: 'inquiry-open',
  'explanation-sent': 'objection-period',
  'on-hold': 'objection-on-hold',
  retained: 'retained',
  'erasure-failed': 'erasure-failed',
  erasing: 'already-released',
  verifying: 'already-released',
  certifying: 'already-released',
  erased: 'erased',
};
