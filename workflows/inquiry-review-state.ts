import type {
  CandidateDecisionInput,
  InquiryReviewInput,
  InquiryReviewSnapshot,
  InquiryReviewStatus,
  LinkHow,
  LinkState,
  NoMatchInput,
} from '../schemas/inquiry-review';
import type { Actor } from '../schemas/roles';

/** What registering the inquiry on a record's lifecycle came to (the activity's answer). */
export type Registration =
  | { readonly result: 'registered' }
  | { readonly result: 'no-lifecycle' }
  | { readonly result: 'being-destroyed' | 'refused'; readonly detail: string }
  | { readonly result: 'inquiry-gone' };

interface Link {
  readonly recordId: string;
  readonly how: LinkHow;
  /** In whose name the inquiry is registered on the record. */
  readonly actor: Actor;
  state: LinkState;
  detail?: string;
  attempts: number;
  retryAt?: number;
}

type Candidate = InquiryReviewSnapshot['candidates'][number];

const by = (actor: Actor) => `${actor.user} (${actor.role})`;
/** A record without a lifecycle yet, or one that refused for now: asked again after 1, 2, 4 ... minutes, at most every hour. */
const retryDelayMs = (attempts: number) => Math.min(60_000 * 2 ** attempts, 3_600_000);

/**
 * The state of one inquiry's matching: which records are linked (and whether their
 * lifecycles took the inquiry), which are candidates and what a screened reviewer decided,
 * and which letter answered the requester. Pure: time is passed in; the workflow feeds it
 * what the activities report. No "no data found" letter is due until a screened reviewer
 * confirmed that no record is the requester's (README, "Matching inquiries to records").
 */
export class InquiryReview {
  private readonly links = new Map<string, Link>();
  private readonly candidates = new Map<string, Candidate>();
  /** Candidates whose decision is being recorded (between the validator and the activity's answer). */
  private readonly deciding = new Set<string>();
  /** A "no match" being recorded: a second one is refused meanwhile. */
  private confirmingNoMatch = false;
  private noMatch?: { by: string; at: string };
  private letter?: InquiryReviewSnapshot['letter'];
  /** The registry's account has been read (the first thing a run does). */
  private loaded = false;
  private gone = false;
  private destroyed = false;
  private overdueAlerted = false;
  private readonly history: { at: string; by: string; note: string }[] = [];
  private version = 0;

  constructor(private readonly input: InquiryReviewInput) {}

  /** Bumped on every change: the workflow's main loop wakes on it. */
  get changes(): number {
    return this.version;
  }

  private note(at: Date | string, who: string, note: string): void {
    this.history.push({ at: typeof at === 'string' ? at : at.toISOString(), by: who, note });
    this.version += 1;
  }

  /** Takes in what the registry holds (at the start of a run, and when told it changed); what is known already stays. */
  load(snapshot: InquiryReviewSnapshot, now: Date): void {
    this.loaded = true;
    if (!snapshot.exists) {
      if (!this.gone) this.note(now, 'system', `inquiry ${this.input.inquiryId} is no longer in the registry`);
      this.gone = true;
      return;
    }
    // What an earlier run (or the registration) did is told again, at the instants it happened.
    for (const c of snapshot.candidates) {
      const known = this.candidates.get(c.recordId);
      if (!known) this.note(c.foundAt, 'system', `record ${c.recordId} is a candidate (${c.reasons.join(', ')}); a screened reviewer confirms or rejects it`);
      if (c.decision && !known?.decision) this.note(c.decision.at, by(c.decision.by), `candidate ${c.recordId} ${c.decision.outcome}`);
      if (!known || (!known.decision && c.decision)) this.candidates.set(c.recordId, c);
    }
    for (const l of snapshot.links) {
      const known = this.links.get(l.recordId);
      if (known) {
        // The registry changed (lifecycles started, records imported): a link that waits for its lifecycle is asked again now.
        if (known.state === 'waiting-for-lifecycle') known.retryAt = undefined;
        continue;
      }
      const decision = this.candidates.get(l.recordId)?.decision;
      const actor = l.how === 'confirmed-candidate' && decision ? decision.by : this.input.registeredBy;
      this.links.set(l.recordId, { recordId: l.recordId, how: l.how, actor, state: l.registeredAt ? 'registered' : 'registering', attempts: 0 });
      this.note(
        l.registeredAt ?? l.linkedAt,
        'system',
        `record ${l.recordId} is linked (${l.how}); ${l.registeredAt ? 'the inquiry is registered on it' : 'registering the inquiry on its lifecycle'}`,
      );
    }
    if (!this.noMatch && snapshot.noMatch) {
      this.noMatch = snapshot.noMatch;
      this.note(snapshot.noMatch.at, snapshot.noMatch.by, "no record is the requester's: confirmed after the review");
    }
    if (!this.letter && snapshot.letter) {
      this.letter = snapshot.letter;
      this.note(snapshot.letter.sentAt, 'system', `the requester was answered (${snapshot.letter.kind}, message ${snapshot.letter.messageId})`);
    }
    this.version += 1;
  }

  private pendingCandidates(): string[] {
    return [...this.candidates.values()].filter((c) => !c.decision).map((c) => c.recordId);
  }

  private closed(): string | undefined {
    if (!this.loaded) return `the review of inquiry ${this.input.inquiryId} is starting; try again in a moment`;
    if (this.destroyed) return `inquiry ${this.input.inquiryId} is destroyed`;
    if (this.gone) return `inquiry ${this.input.inquiryId} is no longer in the registry`;
    return undefined;
  }

  /** Why a screened reviewer's decision on a candidate is refused now, or undefined. */
  decisionRefusal(decision: CandidateDecisionInput): string | undefined {
    if (decision.actor.role !== 'screened-reviewer') return `it is for the role screened-reviewer, not ${decision.actor.role} (${decision.actor.user})`;
    const closed = this.closed();
    if (closed) return closed;
    const candidate = this.candidates.get(decision.recordId);
    if (!candidate) {
      const pending = this.pendingCandidates();
      return `record ${decision.recordId} is not a candidate of inquiry ${this.input.inquiryId}; undecided candidates: ${pending.length ? pending.join(', ') : 'none'}`;
    }
    if (candidate.decision)
      return `record ${decision.recordId} was already ${candidate.decision.outcome} by ${by(candidate.decision.by)} on ${candidate.decision.at}`;
    if (this.deciding.has(decision.recordId)) return `a decision on record ${decision.recordId} is being recorded`;
    return undefined;
  }

  /** Holds the candidate while its decision is recorded, so that a second decision is refused meanwhile. */
  beginDecision(recordId: string): void {
    this.deciding.add(recordId);
  }

  abortDecision(recordId: string): void {
    this.deciding.delete(recordId);
  }

  decide(decision: CandidateDecisionInput, now: Date): void {
    this.deciding.delete(decision.recordId);
    const candidate = this.candidates.get(decision.recordId);
    if (!candidate) return;
    const outcome = decision.outcome === 'confirm' ? 'confirmed' : 'rejected';
    this.candidates.set(decision.recordId, { ...candidate, decision: { outcome, by: decision.actor, at: now.toISOString() } });
    if (outcome === 'confirmed') {
      this.links.set(decision.recordId, { recordId: decision.recordId, how: 'confirmed-candidate', actor: decision.actor, state: 'registering', attempts: 0 });
    }
    this.note(
      now,
      by(decision.actor),
      `candidate ${decision.recordId} ${outcome}${decision.reason ? ` (${decision.reason})` : ''}${outcome === 'confirmed' ? '; registering the inquiry on its lifecycle' : ''}`,
    );
  }

  /** Why "no match" cannot be confirmed now, or undefined. */
  noMatchRefusal(action: NoMatchInput): string | undefined {
    if (action.actor.role !== 'screened-reviewer') return `it is for the role screened-reviewer, not ${action.actor.role} (${action.actor.user})`;
    return this.closed() ?? this.noMatchBlocked();
  }

  private noMatchBlocked(): string | undefined {
    if (!this.loaded) return this.closed();
    if (this.noMatch) return `no match was confirmed by ${this.noMatch.by} on ${this.noMatch.at}`;
    if (this.confirmingNoMatch) return 'a confirmation of no match is being recorded';
    const pending = this.pendingCandidates();
    if (pending.length) return `decide on the candidates first (confirm or reject): ${pending.join(', ')}`;
    if (this.links.size) return `the inquiry has linked records (${[...this.links.keys()].join(', ')}): it is answered from them`;
    return undefined;
  }

  /** Holds the review while "no match" is recorded, so that a second confirmation is refused meanwhile. */
  beginNoMatch(): void {
    this.confirmingNoMatch = true;
  }

  abortNoMatch(): void {
    this.confirmingNoMatch = false;
  }

  confirmNoMatch(action: NoMatchInput, now: Date): void {
    this.confirmingNoMatch = false;
    this.noMatch = { by: by(action.actor), at: now.toISOString() };
    this.note(now, by(action.actor), "no record is the requester's: confirmed after the review; the requester is told no data was found");
  }

  /** Links whose lifecycle is to be asked now. */
  pendingRegistrations(now: Date): { recordId: string; actor: Actor }[] {
    if (this.gone || this.destroyed) return [];
    return [...this.links.values()]
      .filter((l) => l.state === 'registering' || ((l.state === 'waiting-for-lifecycle' || l.state === 'refused') && (l.retryAt ?? 0) <= now.getTime()))
      .map((l) => ({ recordId: l.recordId, actor: l.actor }));
  }

  registration(recordId: string, outcome: Registration, now: Date): void {
    const link = this.links.get(recordId);
    if (!link) return;
    if (outcome.result === 'inquiry-gone') {
      this.gone = true;
      this.note(now, 'system', `inquiry ${this.input.inquiryId} is no longer in the registry`);
      return;
    }
    const detail = 'detail' in outcome ? outcome.detail : undefined;
    const news = link.state !== (outcome.result === 'no-lifecycle' ? 'waiting-for-lifecycle' : outcome.result) || link.detail !== detail;
    link.state = outcome.result === 'no-lifecycle' ? 'waiting-for-lifecycle' : outcome.result;
    link.detail = detail;
    if (outcome.result === 'no-lifecycle' || outcome.result === 'refused') {
      // Asked again later: the lifecycle may be started, or its legal hold released, meanwhile.
      link.retryAt = now.getTime() + retryDelayMs(link.attempts);
      link.attempts += 1;
    }
    if (!news) {
      this.version += 1;
      return;
    }
    const what = {
      'no-lifecycle': `record ${recordId} has no lifecycle yet (\`erasure start\`); the inquiry is registered on it once it has`,
      registered: `the inquiry is registered on record ${recordId}`,
      'being-destroyed': `record ${recordId} cannot take the inquiry: ${detail ?? ''}`,
      refused: `record ${recordId} does not take the inquiry now: ${detail ?? ''}; asked again later`,
    }[outcome.result];
    this.note(now, outcome.result === 'registered' ? by(link.actor) : 'system', what);
  }

  /** The letter that answers the requester now, if any: never "no data" without a reviewer's confirmation. */
  letterDue(): 'no-data' | 'being-destroyed' | undefined {
    if (this.letter || this.gone || this.destroyed || this.pendingCandidates().length) return undefined;
    const states = [...this.links.values()].map((l) => l.state);
    if (states.some((s) => s !== 'being-destroyed')) return undefined;
    if (states.length) return 'being-destroyed';
    return this.noMatch ? 'no-data' : undefined;
  }

  letterSent(kind: 'no-data' | 'being-destroyed', messageId: string, now: Date): void {
    this.letter = { kind, messageId, sentAt: now.toISOString() };
    this.note(
      now,
      'system',
      `the requester is answered: ${kind === 'no-data' ? 'no data found (after a screened reviewer checked)' : 'the data is already being destroyed'} (message ${messageId})`,
    );
  }

  /**
   * `done` once every linked record carries the inquiry and no candidate waits (the
   * records destroy it with the last of them); `destroy` once a letter answered the
   * requester and the cutoff has passed, since records imported until the cutoff are
   * still matched against the inquiry.
   */
  verdict(now: Date): 'done' | 'destroy' | undefined {
    if (this.gone || this.destroyed) return 'done';
    if (this.pendingCandidates().length) return undefined;
    const states = [...this.links.values()].map((l) => l.state);
    if (states.some((s) => s === 'registering' || s === 'waiting-for-lifecycle' || s === 'refused')) return undefined;
    if (states.includes('registered')) return 'done';
    return this.letter && now.getTime() >= Date.parse(this.input.inquiryCutoff) ? 'destroy' : undefined;
  }

  markDestroyed(destroyed: readonly string[], now: Date): void {
    this.destroyed = true;
    this.note(now, 'system', `inquiry destroyed after the cutoff: ${destroyed.join(', ') || 'nothing was left'}`);
  }

  /** GDPR art. 12(3): the response deadline passed and the requester is still not answered (no letter, no record carrying the inquiry). */
  responseOverdue(now: Date): boolean {
    return this.loaded && !this.gone && !this.destroyed && !this.overdueAlerted && this.unanswered() && now.getTime() >= Date.parse(this.input.responseDue);
  }

  markResponseOverdue(now: Date, alertFailure?: string): void {
    this.overdueAlerted = true;
    this.note(
      now,
      'system',
      `response deadline ${this.input.responseDue} passed while the inquiry awaits its review; ${alertFailure ? `the alert to the coordinators failed: ${alertFailure}` : 'the coordinators are alerted'}`,
    );
  }

  private unanswered(): boolean {
    return !this.letter && ![...this.links.values()].some((l) => l.state === 'registered');
  }

  /** The next instant at which time alone changes something. */
  nextDeadline(now: Date): { at: number; summary: string } | undefined {
    const retries = [...this.links.values()].flatMap((l) =>
      (l.state === 'waiting-for-lifecycle' || l.state === 'refused') && l.retryAt !== undefined ? [l.retryAt] : [],
    );
    const candidates = [
      ...retries.map((at) => ({ at, summary: 'ask the record lifecycle again' })),
      ...(this.letter ? [{ at: Date.parse(this.input.inquiryCutoff), summary: 'inquiry cutoff' }] : []),
      ...(!this.overdueAlerted && this.unanswered() ? [{ at: Date.parse(this.input.responseDue), summary: 'response deadline' }] : []),
    ].filter((c) => c.at > now.getTime());
    return candidates.sort((a, b) => a.at - b.at)[0];
  }

  private stage(): InquiryReviewStatus['stage'] {
    if (!this.loaded) return 'loading';
    if (this.destroyed) return 'destroyed';
    if (this.gone) return 'gone';
    const states = [...this.links.values()].map((l) => l.state);
    if (states.some((s) => s === 'registering' || s === 'waiting-for-lifecycle' || s === 'refused')) return 'registering';
    if (this.pendingCandidates().length || (!this.letter && !states.includes('registered'))) return 'awaiting-review';
    return states.includes('registered') ? 'linked' : 'answered';
  }

  status(): InquiryReviewStatus {
    const pending = this.pendingCandidates().filter((r) => !this.deciding.has(r));
    const open = this.loaded && !this.gone && !this.destroyed;
    return {
      inquiryId: this.input.inquiryId,
      stage: this.stage(),
      links: [...this.links.values()].map((l) => ({ recordId: l.recordId, how: l.how, state: l.state, ...(l.detail ? { detail: l.detail } : {}) })),
      candidates: [...this.candidates.values()],
      ...(this.noMatch ? { noMatch: this.noMatch } : {}),
      ...(this.letter ? { letter: this.letter } : {}),
      inquiryCutoff: this.input.inquiryCutoff,
      responseDue: this.input.responseDue,
      allowedActions: open ? [...(pending.length ? (['confirm', 'reject'] as const) : []), ...(this.noMatchBlocked() ? [] : (['no-match'] as const))] : [],
      history: [...this.history].sort((a, b) => a.at.localeCompare(b.at)),
    };
  }
}
