import { durationMs } from '../schemas/duration';
import type { LifecycleEvent, LifecyclePhase, RecordStatus } from '../schemas/lifecycle';
import type { Policy } from '../schemas/policy';
import type { Releasability } from '../schemas/purge';

export const addDuration = (from: string, duration: string): string => new Date(Date.parse(from) + durationMs(duration)).toISOString();

export interface InquiryState {
  inquiryId: string;
  receivedAt: string;
  responseDue: string;
  consent?: boolean;
  identityConfirmedAt?: string;
  explanationPending?: boolean;
  explanationSentAt?: string;
  explanationMessageId?: string;
  objectionPeriodEnds?: string;
  responseOverdue: boolean;
}

export interface Flags {
  readonly inquiryOpen: boolean;
  readonly onHold: boolean;
  readonly responseOverdue: boolean;
}

/** Phases in which erasure has begun: a hold or an inquiry can no longer stop it. */
export const ERASURE_PHASES: readonly LifecyclePhase[] = ['erasing', 'verifying', 'certifying', 'erased', 'erasure-failed'];
const INQUIRY_PATH: readonly LifecyclePhase[] = ['awaiting-consent', 'identity-check', 'consultation'];

/**
 * The record's state and every rule about time. Pure and deterministic: the workflow
 * feeds it the workflow clock; updates and timers change it; it never does I/O itself
 * except through `publish` (search attributes).
 */
export class LifecycleState {
  phase: LifecyclePhase = 'registered';
  /** Bumped on every change: the main loop wakes on it. */
  version = 0;
  readonly history: LifecycleEvent[] = [];
  inquiry?: InquiryState;
  objection?: { reference: string; filedAt: string };
  readonly decisions: { outcome: 'proceed' | 'retain'; reason: string; decisionRef: string; at: string }[] = [];
  legalHold?: { reference: string; placedAt: string; returnTo: LifecyclePhase };
  reviewDue?: string;
  /** Who released the record for erasure (a purge run, or a coordinator's retry). */
  released?: string;
  /** A release that arrived as a signal (signal-with-start): judged by the main loop. */
  releaseRequested?: string;
  /**
   * Since the purge run, a due record waits for a run to release it and the purge start
   * is no deadline of its own (lifecycles started before erase themselves at that instant).
   */
  awaitsRelease = false;
  private reviewNotified = false;
  private certificateId?: string;
  private erasedAt?: string;
  private lastError?: string;

  constructor(
    readonly input: { recordId: string; dossier: string; policy: Policy },
    private readonly publish: (phase: LifecyclePhase, flags: Flags) => void,
  ) {}

  get policy(): Policy {
    return this.input.policy;
  }

  flags(): Flags {
    return {
      inquiryOpen: !!this.inquiry && this.inquiry.consent !== false && this.phase !== 'erased',
      onHold: this.phase === 'on-hold',
      responseOverdue: !!this.inquiry?.responseOverdue && !this.inquiry.explanationSentAt,
    };
  }

  /** Records an event; with `next` the phase changes too. */
  note(by: string, note: string, action?: string, next?: LifecyclePhase): void {
    if (next) this.phase = next;
    this.history.push({ at: new Date().toISOString(), phase: this.phase, by, ...(action ? { action } : {}), note });
    this.version += 1;
    this.publish(this.phase, this.flags());
  }

  enter(next: LifecyclePhase, by: string, note: string, action?: string): void {
    this.note(by, note, action, next);
  }

  /** Time-driven transitions. A legal hold suspends all of them; on release they apply at once. */
  advance(now: Date): void {
    if (this.legalHold) return;
    const t = now.getTime();
    if (this.phase === 'awaiting-cutoff' && t >= Date.parse(this.policy.inquiryCutoff)) {
      this.enter('due', 'system', `inquiry cutoff passed; destruction may start from ${this.policy.purgeStart}`);
    } else if (this.phase === 'explanation-sent' && this.inquiry?.objectionPeriodEnds && t >= Date.parse(this.inquiry.objectionPeriodEnds)) {
      this.enter('due', 'system', `objection period ended ${this.inquiry.objectionPeriodEnds} without an objection`);
    }
  }

  /** The phase the record is in, or returns to when a legal hold is released. */
  get effectivePhase(): LifecyclePhase {
    return this.legalHold?.returnTo ?? this.phase;
  }

  /** GDPR art. 12(3) keeps running under a legal hold, so the escalation does too. */
  responseEscalationDue(now: Date): boolean {
    const inquiry = this.inquiry;
    return (
      !!inquiry &&
      !inquiry.responseOverdue &&
      !inquiry.explanationSentAt &&
      INQUIRY_PATH.includes(this.effectivePhase) &&
      now.getTime() >= Date.parse(inquiry.responseDue)
    );
  }

  markResponseOverdue(): void {
    if (!this.inquiry) return;
    this.inquiry.responseOverdue = true;
    this.note('system', `response deadline ${this.inquiry.responseDue} passed without an explanation; alerting the coordinators`);
  }

  reviewNotificationDue(now: Date): boolean {
    return !this.legalHold && this.phase === 'retained' && !!this.reviewDue && !this.reviewNotified && now.getTime() >= Date.parse(this.reviewDue);
  }

  markReviewNotified(): void {
    this.reviewNotified = true;
    this.note('system', `retention review due since ${this.reviewDue ?? '?'}; alerting the coordinators`);
  }

  /** The next instant at which time alone changes something, with a name for the timer. */
  nextDeadline(now: Date): { at: number; summary: string } | undefined {
    const candidates: { at: string | undefined; summary: string }[] = [];
    if (this.inquiry && !this.inquiry.responseOverdue && !this.inquiry.explanationSentAt && INQUIRY_PATH.includes(this.effectivePhase)) {
      candidates.push({ at: this.inquiry.responseDue, summary: 'response deadline' });
    }
    if (this.legalHold) return earliest(candidates, now);
    if (this.phase === 'awaiting-cutoff') candidates.push({ at: this.policy.inquiryCutoff, summary: 'inquiry cutoff' });
    if (this.phase === 'explanation-sent') candidates.push({ at: this.inquiry?.objectionPeriodEnds, summary: 'objection period' });
    if (this.phase === 'due' && !this.awaitsRelease) candidates.push({ at: this.policy.purgeStart, summary: 'purge start' });
    if (this.phase === 'retained' && !this.reviewNotified) candidates.push({ at: this.reviewDue, summary: 'retention review' });
    return earliest(candidates, now);
  }

  /**
   * Whether a purge run may release the record now, and if not, why (a reason the run
   * counts). Time-driven transitions that are due count as taken, as `advance` would.
   */
  releasability(now: Date, runRef: string): Releasability {
    const t = now.getTime();
    const refuse = (reason: NonNullable<Releasability['reason']>, detail: string): Releasability => ({ releasable: false, reason, detail });
    if (this.phase === 'erased') return refuse('erased', `record ${this.input.recordId} is erased`);
    if (this.released !== undefined && (this.phase === 'due' || ERASURE_PHASES.includes(this.phase) && this.phase !== 'erasure-failed')) {
      // The same run asking again (a retried activity) is answered as before.
      return this.released === runRef ? { releasable: true } : refuse('already-released', `record ${this.input.recordId} was released by ${this.released}`);
    }
    if (this.legalHold) return refuse('legal-hold', this.describePhase());
    // A release can come in the lifecycle's very first task, before it has left `registered`.
    let phase = this.phase === 'registered' ? 'awaiting-cutoff' : this.phase;
    if (phase === 'awaiting-cutoff' && t >= Date.parse(this.policy.inquiryCutoff)) phase = 'due';
    if (phase === 'explanation-sent' && this.inquiry?.objectionPeriodEnds && t >= Date.parse(this.inquiry.objectionPeriodEnds)) phase = 'due';
    switch (phase) {
      case 'due':
        return t >= Date.parse(this.policy.purgeStart) ? { releasable: true } : refuse('before-purge-start', this.describePhase());
      case 'awaiting-cutoff':
        return refuse('not-due-yet', `record ${this.input.recordId} is in awaiting-cutoff until ${this.policy.inquiryCutoff}`);
      case 'awaiting-consent':
      case 'identity-check':
      case 'consultation':
        return refuse('inquiry-open', this.describePhase());
      case 'explanation-sent':
        return refuse('objection-period', this.describePhase());
      case 'on-hold':
        return refuse('objection-on-hold', this.describePhase());
      case 'retained':
        return refuse('retained', this.describePhase());
      case 'erasure-failed':
        return refuse('erasure-failed', `${this.describePhase()}; a coordinator retries it (erasure retry)`);
      default:
        return refuse('already-released', this.describePhase());
    }
  }

  /** A step that happened inside an activity, at the instant the activity reported. */
  recordStep(phase: LifecyclePhase, at: string, note: string): void {
    this.phase = phase;
    this.history.push({ at, phase, by: 'system', note });
    this.version += 1;
    this.publish(this.phase, this.flags());
  }

  failErasure(error: string): void {
    this.lastError = error;
    this.enter('erasure-failed', 'system', error);
  }

  certify(certificateId: string, erasedAt: string): void {
    this.certificateId = certificateId;
    this.erasedAt = erasedAt;
    this.lastError = undefined;
  }

  decisionRefs(): string[] {
    return this.decisions.map((d) => d.decisionRef);
  }

  /** A human-readable account of where the record stands, for refusal messages. */
  describePhase(): string {
    const id = `record ${this.input.recordId}`;
    if (this.legalHold) return `${id} is on legal hold ${this.legalHold.reference} since ${this.legalHold.placedAt}`;
    switch (this.phase) {
      case 'awaiting-cutoff':
        return `${id} is in awaiting-cutoff until ${this.policy.inquiryCutoff}`;
      case 'due':
        return `${id} is due for destruction from ${this.policy.purgeStart}`;
      case 'explanation-sent':
        return `${id} is in its objection period until ${this.inquiry?.objectionPeriodEnds ?? '?'}; the explanation was sent on ${this.inquiry?.explanationSentAt ?? '?'}`;
      case 'on-hold':
        return `${id} is on hold: objection ${this.objection?.reference ?? '?'} awaits a decision`;
      case 'retained':
        return `${id} is retained after decision ${this.decisions.at(-1)?.decisionRef ?? '?'} (review due ${this.reviewDue ?? '?'})`;
      default:
        return `${id} is in ${this.phase}`;
    }
  }

  status(allowedActions: readonly string[] = []): RecordStatus {
    const inquiry = this.inquiry;
    return {
      recordId: this.input.recordId,
      dossier: this.input.dossier,
      phase: this.phase,
      policyVersion: this.policy.version,
      deadlines: { inquiryCutoff: this.policy.inquiryCutoff, purgeStart: this.policy.purgeStart },
      ...(inquiry
        ? {
            inquiry: {
              inquiryId: inquiry.inquiryId,
              receivedAt: inquiry.receivedAt,
              responseDue: inquiry.responseDue,
              responseOverdue: inquiry.responseOverdue,
              ...(inquiry.consent !== undefined ? { consent: inquiry.consent } : {}),
              ...(inquiry.identityConfirmedAt ? { identityConfirmedAt: inquiry.identityConfirmedAt } : {}),
              ...(inquiry.explanationSentAt ? { explanationSentAt: inquiry.explanationSentAt } : {}),
              ...(inquiry.explanationMessageId ? { explanationMessageId: inquiry.explanationMessageId } : {}),
              ...(inquiry.objectionPeriodEnds ? { objectionPeriodEnds: inquiry.objectionPeriodEnds } : {}),
            },
          }
        : {}),
      ...(this.objection ? { objection: { ...this.objection } } : {}),
      decisions: this.decisions.map((d) => ({ outcome: d.outcome, decisionRef: d.decisionRef, at: d.at })),
      ...(this.legalHold ? { legalHold: { ...this.legalHold } } : {}),
      ...(this.reviewDue ? { reviewDue: this.reviewDue } : {}),
      allowedActions,
      history: [...this.history],
      ...(this.certificateId ? { certificateId: this.certificateId } : {}),
      ...(this.erasedAt ? { erasedAt: this.erasedAt } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

function earliest(candidates: readonly { at: string | undefined; summary: string }[], now: Date): { at: number; summary: string } | undefined {
  const first = candidates
    .filter((c): c is { at: string; summary: string } => c.at !== undefined)
    .map((c) => ({ at: Date.parse(c.at), summary: c.summary }))
    .sort((a, b) => a.at - b.at)[0];
  return first && { at: Math.max(first.at, now.getTime()), summary: first.summary };
}
