import { actionLabels, type Action, type ActionName } from '../../schemas/actions';
import type { IdentityCheck, LifecyclePhase, RecordStatus } from '../../schemas/lifecycle';
import type { Policy } from '../../schemas/policy';
import type { Releasability } from '../../schemas/purge';
import { actionEffects, actionRules, describe, firedTimers, type ActionEffect, notReleasableIn, timers, type RecordState, type TimerEffect } from './rules';

export interface Flags {
  readonly inquiryOpen: boolean;
  readonly onHold: boolean;
  readonly responseOverdue: boolean;
}

/** An alert the workflow sends the coordinators because a timer fired. */
export interface DueAlert {
  readonly what: 'response-overdue' | 'retention-review';
  readonly inquiryId?: string;
  readonly due: string;
}

/** What the erasure activity reports back (counts and ids only). */
export interface ErasureReport {
  readonly certificateId: string;
  readonly sequence: number;
  readonly issuedAt: string;
  readonly verifiedAt: string;
  readonly systems: readonly { system: string; removed: Readonly<Record<string, number>> }[];
  readonly inquiryClosed: boolean;
}

const iso = (now: number) => new Date(now).toISOString();
const by = (action: { actor: { user: string; role: string } }) => `${action.actor.user} (${action.actor.role})`;

/**
 * One record's lifecycle as a state machine (docs/ARCHITECTURE.md, "The record
 * lifecycle"). Its state is private; every change goes through a method that takes the
 * present instant, and every rule comes from the tables in `rules.ts`. It does no I/O:
 * the workflow sends what it asks for (alerts, the erasure) and publishes its flags.
 */
export class RecordMachine {
  readonly #s: RecordState;
  #changes = 0;

  constructor(input: { readonly recordId: string; readonly dossier: string; readonly policy: Policy }, now: number) {
    this.#s = {
      recordId: input.recordId,
      dossier: input.dossier,
      policy: input.policy,
      phase: 'registered',
      history: [],
      decisions: [],
      reviewNotified: false,
    };
    this.#enter('awaiting-cutoff', now, 'system', `waiting for the inquiry cutoff ${input.policy.inquiryCutoff}`);
  }

  get phase(): LifecyclePhase {
    return this.#s.phase;
  }

  /** Counts every change: the workflow waits until it moves. */
  get changes(): number {
    return this.#changes;
  }

  flags(): Flags {
    const s = this.#s;
    return {
      inquiryOpen: !!s.inquiry && s.inquiry.consent !== false && s.phase !== 'erased',
      onHold: s.phase === 'on-hold',
      responseOverdue: !!s.inquiry?.responseOverdue && !s.inquiry.explanationSentAt,
    };
  }

  // --- time ------------------------------------------------------------------------------

  /**
   * Fires the phase timers that have passed, then judges a release that came as a signal.
   * Alerts are left for `takeDueAlerts`.
   */
  advance(now: number): void {
    for (let fired = this.#firedPhaseTimer(now); fired; fired = this.#firedPhaseTimer(now)) {
      this.#enter(fired.enter, now, 'system', fired.note(this.#s));
    }
    const runRef = this.#s.releaseRequested;
    if (runRef === undefined) return;
    this.#s.releaseRequested = undefined;
    const answer = this.releasability(now, runRef);
    if (answer.releasable) {
      this.#s.released = runRef;
      this.#note(now, 'system', `released for erasure by purge run ${runRef} (lifecycle restarted by the run)`);
    } else {
      this.#note(now, 'system', `release by purge run ${runRef} not taken: ${answer.detail ?? answer.reason ?? ''}`);
    }
  }

  /** The alerts whose timers have fired, each taken once (noted in the history). */
  takeDueAlerts(now: number): DueAlert[] {
    const alerts: DueAlert[] = [];
    for (const timer of firedTimers(this.#s, now)) {
      const effect = timer.effect;
      if (!('alert' in effect)) continue;
      const due = timer.at(this.#s) ?? iso(now);
      effect.mark(this.#s);
      this.#note(now, 'system', effect.note(this.#s));
      alerts.push({ what: effect.alert, due, ...(effect.alert === 'response-overdue' && this.#s.inquiry ? { inquiryId: this.#s.inquiry.inquiryId } : {}) });
    }
    return alerts;
  }

  /** The next instant at which time alone changes something, with the timer's name. */
  nextDeadline(now: number): { at: number; name: string } | undefined {
    const running = timers.flatMap((t) => {
      const at = t.at(this.#s);
      return at === undefined ? [] : [{ at: Math.max(Date.parse(at), now), name: t.name }];
    });
    return running.sort((a, b) => a.at - b.at)[0];
  }

  // --- coordinator actions ---------------------------------------------------------------

  /** Why the action cannot be taken now (its values included), or undefined. */
  refusal<A extends ActionName>(name: A, action: Action<A>, now: number): string | undefined {
    return (actionRules[name] as (s: RecordState, now: number, action?: Action<A>) => string | undefined)(this.#s, now, action);
  }

  /** The actions that would be accepted now (for some role and values), by CLI name. */
  allowedActions(now: number): string[] {
    return (Object.keys(actionRules) as ActionName[]).filter((name) => actionRules[name](this.#s, now) === undefined).map((name) => actionLabels[name]);
  }

  /** Takes an action that passed `refusal`; the explanation has its own three steps below. */
  apply<A extends Exclude<ActionName, 'sendExplanation'>>(name: A, action: Action<A>, now: number): void {
    const effect = (actionEffects[name] as ActionEffect<A>)(this.#s, action, iso(now));
    if (effect.enter) this.#enter(effect.enter, now, by(action), effect.note, actionLabels[name]);
    else this.#note(now, by(action), effect.note, actionLabels[name]);
    this.#signedBy(action);
  }

  /** The explanation is being sent: no second one, and no hold, until it is out. */
  beginExplanation(): { inquiryId: string; consultedSince: string } {
    const inquiry = this.#s.inquiry!;
    inquiry.explanationPending = true;
    return { inquiryId: inquiry.inquiryId, consultedSince: inquiry.identity!.confirmedAt };
  }

  explanationSent(action: Action<'sendExplanation'>, sent: { messageId: string; sentAt: string; objectionPeriodEnds: string }, now: number): void {
    const inquiry = this.#s.inquiry!;
    Object.assign(inquiry, {
      explanationPending: false,
      explanationSentAt: sent.sentAt,
      explanationMessageId: sent.messageId,
      objectionPeriodEnds: sent.objectionPeriodEnds,
    });
    this.#enter(
      'explanation-sent',
      now,
      by(action),
      `explanation sent (${action.language}, message ${sent.messageId}); objection period until ${sent.objectionPeriodEnds}`,
      'explain',
    );
    this.#signedBy(action);
  }

  /** The mail could not be sent: the record stays in consultation and the action can be taken again. */
  explanationFailed(): void {
    this.#s.inquiry!.explanationPending = false;
  }

  // --- release and erasure ---------------------------------------------------------------

  /**
   * Whether a purge run may release the record now, and if not, why (a reason the run
   * counts). Timers that have passed count as fired, as `advance` would fire them.
   */
  releasability(now: number, runRef: string): Releasability {
    const s = this.#s;
    const refuse = (reason: NonNullable<Releasability['reason']>, detail: string): Releasability => ({ releasable: false, reason, detail });
    if (s.phase === 'erased') return refuse('erased', `record ${s.recordId} is erased`);
    if (s.released !== undefined && (s.phase === 'due' || notReleasableIn[s.phase as Exclude<LifecyclePhase, 'due'>] === 'already-released')) {
      // The same run asking again (a retried activity) is answered as before.
      return s.released === runRef ? { releasable: true } : refuse('already-released', `record ${s.recordId} was released by ${s.released}`);
    }
    if (s.legalHold) return refuse('legal-hold', describe(s));
    const phase = this.#firedPhaseTimer(now)?.enter ?? s.phase;
    if (phase === 'due')
      return now >= Date.parse(s.policy.purgeStart)
        ? { releasable: true }
        : refuse('before-purge-start', `record ${s.recordId} is due for destruction from ${s.policy.purgeStart}`);
    const reason = notReleasableIn[phase];
    return refuse(reason, reason === 'erasure-failed' ? `${describe(s)}; a coordinator retries it (erasure retry)` : describe(s));
  }

  /** A purge run releases the record (after `releasability` said yes); the same run again changes nothing. */
  release(runRef: string, now: number): void {
    if (this.#s.released === runRef) return;
    this.advance(now);
    this.#s.released = runRef;
    this.#note(now, 'system', `released for erasure by purge run ${runRef}`);
  }

  /** A release that came with signal-with-start: judged by the next `advance`. */
  requestRelease(runRef: string): void {
    this.#s.releaseRequested = runRef;
    this.#changes += 1;
  }

  /** Due, released and not held: the workflow erases now. */
  get erasureMayStart(): boolean {
    return this.#s.phase === 'due' && !this.#s.legalHold && this.#s.released !== undefined;
  }

  /** Erasure begins: by the lifecycle's own activity, or (with a ticket) by the purge wave's batch that released it. */
  beginErasure(systems: readonly string[], now: number, ticket?: string): void {
    this.#s.erasureTicket = ticket;
    const who = ticket ? "the purge wave's batch erases" : 'erasing';
    this.#enter('erasing', now, 'system', `released by ${this.#s.released ?? '?'}; ${who} in ${systems.join(', ')}, then verifying and certifying`);
  }

  /** The ticket a batch's outcome must carry, while the record waits for one. */
  get erasureTicket(): string | undefined {
    return this.#s.phase === 'erasing' ? this.#s.erasureTicket : undefined;
  }

  /** The batch could not erase the record: the lifecycle erases it on its own, still in `erasing`. */
  erasureAlone(reason: string, now: number): void {
    this.#s.erasureTicket = undefined;
    this.#note(now, 'system', `the batch could not erase the record (${reason}); erasing it on its own`);
  }

  erasureFailed(error: string, now: number): void {
    this.#s.lastError = error;
    this.#s.erasureTicket = undefined;
    this.#enter('erasure-failed', now, 'system', error);
  }

  /** The steps the erasure activity took, at the instants it reported. */
  erased(report: ErasureReport): void {
    const removed = report.systems.map(
      (x) =>
        `${x.system}: ${
          Object.entries(x.removed)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ') || 'nothing left to remove'
        }`,
    );
    this.#step('verifying', report.verifiedAt, `erased (${removed.join('; ')}); every system verified empty`);
    this.#step('certifying', report.issuedAt, `${report.inquiryClosed ? 'inquiry closed; ' : ''}writing the deletion certificate`);
    Object.assign(this.#s, { certificateId: report.certificateId, erasedAt: report.issuedAt, lastError: undefined });
    this.#step('erased', report.issuedAt, `certificate ${report.certificateId} (ledger entry ${report.sequence})`);
  }

  /** Something worth a line in the record's history that changes nothing else (a failed alert). */
  note(now: number, note: string): void {
    this.#note(now, 'system', note);
  }

  // --- reading ---------------------------------------------------------------------------

  get recordId(): string {
    return this.#s.recordId;
  }

  get inquiryId(): string | undefined {
    return this.#s.inquiry?.inquiryId;
  }

  /** How the requester's identity was established, for the deletion certificate. */
  get identity(): IdentityCheck | undefined {
    const identity = this.#s.inquiry?.identity;
    return identity && { ...identity };
  }

  decisionRefs(): string[] {
    return this.#s.decisions.map((d) => d.decisionRef);
  }

  describe(): string {
    return describe(this.#s);
  }

  status(now: number): RecordStatus {
    const s = this.#s;
    const inquiry = s.inquiry;
    const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return {
      recordId: s.recordId,
      dossier: s.dossier,
      phase: s.phase,
      policyVersion: s.policy.version,
      deadlines: { inquiryCutoff: s.policy.inquiryCutoff, purgeStart: s.policy.purgeStart },
      ...(inquiry
        ? {
            inquiry: defined({
              inquiryId: inquiry.inquiryId,
              receivedAt: inquiry.receivedAt,
              responseDue: inquiry.responseDue,
              responseOverdue: inquiry.responseOverdue,
              consent: inquiry.consent,
              identity: inquiry.identity && { ...inquiry.identity },
              explanationSentAt: inquiry.explanationSentAt,
              explanationMessageId: inquiry.explanationMessageId,
              objectionPeriodEnds: inquiry.objectionPeriodEnds,
            }),
          }
        : {}),
      ...(s.objection ? { objection: { ...s.objection } } : {}),
      decisions: s.decisions.map((d) => ({ outcome: d.outcome, decisionRef: d.decisionRef, at: d.at })),
      ...(s.legalHold ? { legalHold: { ...s.legalHold } } : {}),
      allowedActions: this.allowedActions(now),
      history: [...s.history],
      ...defined({ reviewDue: s.reviewDue, certificateId: s.certificateId, erasedAt: s.erasedAt, lastError: s.lastError }),
    };
  }

  // --- inside ----------------------------------------------------------------------------

  #firedPhaseTimer(now: number): Extract<TimerEffect, { enter: LifecyclePhase }> | undefined {
    for (const timer of firedTimers(this.#s, now)) if ('enter' in timer.effect) return timer.effect;
    return undefined;
  }

  #note(now: number, by: string, note: string, action?: string): void {
    this.#step(this.#s.phase, iso(now), note, by, action);
  }

  #enter(next: LifecyclePhase, now: number, by: string, note: string, action?: string): void {
    this.#step(next, iso(now), note, by, action);
  }

  /** Ties the event a person's action just added to the service's proof of it. */
  #signedBy(action: { proof?: { nonce: string } }): void {
    const last = this.#s.history.at(-1);
    if (last && action.proof) this.#s.history[this.#s.history.length - 1] = { ...last, nonce: action.proof.nonce };
  }

  #step(phase: LifecyclePhase, at: string, note: string, by = 'system', action?: string): void {
    this.#s.phase = phase;
    this.#s.history.push({ at, phase, by, ...(action ? { action } : {}), note });
    this.#changes += 1;
  }
}
