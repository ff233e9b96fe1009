import fc from 'fast-check';
import { actionLabels, actionRoles, type Action, type ActionName } from '../../schemas/actions';
import { lifecyclePhases, type LifecyclePhase } from '../../schemas/lifecycle';
import type { Policy } from '../../schemas/policy';
import { roles } from '../../schemas/roles';
import { RecordMachine } from '../../workflows/record/machine';
import { notReleasableIn, timers } from '../../workflows/record/rules';
import { validateAction, validateRelease } from '../../workflows/record/validate';
import { fuzzSettings } from '../helpers/hostile';
import { ActionLedger } from '../../workflows/record/authenticity';
import { signed, testActionKeys } from '../helpers/services';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
const policy: Policy = {
  version: 'machine-test',
  inquiryCutoff: iso(T0 + 2 * WEEK),
  purgeStart: iso(T0 + 3 * WEEK),
  objectionPeriod: '6w',
  responseDeadline: '30d',
  retentionReview: '26w',
};
const INQUIRY = '3f0e0b8e-6a51-4c1e-9d59-5b3f8f1c2a10';
const actors = {
  coordinator: { user: 'cora', role: 'coordinator' as const },
  reviewer: { user: 'rev', role: 'screened-reviewer' as const },
  officer: { user: 'olga', role: 'privacy-officer' as const },
};

/** One valid payload per action, with an actor of the first role allowed to take it. */
const payloads: { [A in ActionName]: Action<A> } = {
  registerInquiry: { actor: actors.coordinator, inquiryId: INQUIRY, receivedAt: iso(T0) },
  recordConsent: { actor: actors.coordinator, given: true },
  confirmIdentity: { actor: actors.coordinator, method: 'in-person-document', reference: 'BALIE-2026-0042' },
  sendExplanation: { actor: actors.reviewer, language: 'en' },
  fileObjection: { actor: actors.coordinator, reference: 'BEZW-1' },
  decideObjection: { actor: actors.officer, outcome: 'proceed', reason: 'objection unfounded', decisionRef: 'BESL-1' },
  placeHold: { actor: actors.officer, reference: 'HOLD-1', reason: 'court order pending' },
  releaseHold: { actor: actors.officer, reference: 'HOLD-1' },
  retryErasure: { actor: actors.coordinator, reason: 'source system is back' },
};
const names = Object.keys(payloads) as ActionName[];

/** The validators as the workflow calls them, with the payload signed by the service at `at`. */
const ledgers = new WeakMap<RecordMachine, ActionLedger>();
function ledgerOf(machine: RecordMachine): ActionLedger {
  if (!ledgers.has(machine)) ledgers.set(machine, new ActionLedger(testActionKeys, 'record-R-1', 'R-1'));
  return ledgers.get(machine)!;
}
const check = <A extends ActionName>(machine: RecordMachine, name: A, payload: object, at: number): Action<A> =>
  validateAction(machine, ledgerOf(machine), name, signed('record-R-1', name, payload, new Date(at)), at);

/** A machine driven as the workflow drives it: validated, then applied; the explanation "sent" at once. */
function driven(now = T0) {
  const machine = new RecordMachine({ recordId: 'R-1', dossier: 'D-1', policy }, now);
  const take = <A extends ActionName>(name: A, at: number, payload: Action<A> = payloads[name]) => {
    const action = check(machine, name, payload, at);
    ledgerOf(machine).accepted(name, payload, action, iso(at));
    type Applied = Exclude<ActionName, 'sendExplanation'>;
    if (name !== 'sendExplanation') return machine.apply(name, action as Action<Applied>, at);
    machine.beginExplanation();
    machine.explanationSent(
      action as Action<'sendExplanation'>,
      { messageId: '<m@test.invalid>', sentAt: iso(at), objectionPeriodEnds: iso(at + 6 * WEEK) },
      at,
    );
  };
  return { machine, take };
}

/** Brings a machine to each phase through the rules themselves. */
const to: Record<string, (d: ReturnType<typeof driven>) => number> = {
  'awaiting-cutoff': () => T0,
  'awaiting-consent': (d) => (d.take('registerInquiry', T0), T0),
  'identity-check': (d) => (to['awaiting-consent']!(d), d.take('recordConsent', T0 + HOUR), T0 + HOUR),
  consultation: (d) => (to['identity-check']!(d), d.take('confirmIdentity', T0 + 2 * HOUR), T0 + 2 * HOUR),
  'explanation-sent': (d) => (to.consultation!(d), d.take('sendExplanation', T0 + 3 * HOUR), T0 + 3 * HOUR),
  'on-hold (objection)': (d) => (to['explanation-sent']!(d), d.take('fileObjection', T0 + DAY), T0 + DAY),
  retained: (d) => (to['on-hold (objection)']!(d), d.take('decideObjection', T0 + 2 * DAY, { ...payloads.decideObjection, outcome: 'retain' }), T0 + 2 * DAY),
  due: (d) => (d.machine.advance(T0 + 2 * WEEK), T0 + 2 * WEEK),
  'on-hold (legal hold)': (d) => (d.take('placeHold', T0 + HOUR), T0 + HOUR),
  'erasure-failed': (d) => {
    const at = T0 + 3 * WEEK;
    d.machine.advance(at);
    d.machine.release(validateRelease(d.machine, { runRef: 'purge-run-1' }, at).runRef, at);
    d.machine.beginErasure(['case-admin'], at);
    d.machine.erasureFailed('erasure failed after retries: source system refused the delete', at);
    return at;
  },
};

describe('RecordMachine - transitions', () => {
  it.each<[string, ActionName, Partial<Action<ActionName>>, LifecyclePhase]>([
    ['awaiting-cutoff', 'registerInquiry', {}, 'awaiting-consent'],
    ['due', 'registerInquiry', { receivedAt: iso(T0 + WEEK) }, 'awaiting-consent'],
    ['awaiting-consent', 'recordConsent', {}, 'identity-check'],
    ['awaiting-consent', 'recordConsent', { given: false }, 'awaiting-cutoff'],
    ['identity-check', 'confirmIdentity', {}, 'consultation'],
    ['consultation', 'sendExplanation', {}, 'explanation-sent'],
    ['explanation-sent', 'fileObjection', {}, 'on-hold'],
    ['on-hold (objection)', 'decideObjection', {}, 'due'],
    ['on-hold (objection)', 'decideObjection', { outcome: 'retain' }, 'retained'],
    ['retained', 'decideObjection', {}, 'due'],
    ['awaiting-cutoff', 'placeHold', {}, 'on-hold'],
    ['due', 'placeHold', {}, 'on-hold'],
    ['consultation', 'placeHold', {}, 'on-hold'],
    ['on-hold (legal hold)', 'releaseHold', {}, 'awaiting-cutoff'],
    ['erasure-failed', 'retryErasure', {}, 'due'],
  ])('from %s, %s %j - enters %s', (from, name, change, phase) => {
    const d = driven();
    const at = to[from]!(d) + SECOND;
    d.take(name, at, { ...payloads[name], ...change });
    expect(d.machine.phase).toBe(phase);
    expect(d.machine.status(at).history.at(-1)).toMatchObject({
      phase,
      by: expect.stringMatching(/\((coordinator|screened-reviewer|privacy-officer)\)$/),
      action: actionLabels[name],
    });
  });

  it('timers - the cutoff and the end of the objection period make a record due, at their instant and not before', () => {
    const a = driven();
    a.machine.advance(T0 + 2 * WEEK - 1);
    expect(a.machine.phase).toBe('awaiting-cutoff');
    expect(a.machine.nextDeadline(T0)).toEqual({ at: T0 + 2 * WEEK, name: 'inquiry cutoff' });
    a.machine.advance(T0 + 2 * WEEK);
    expect(a.machine.phase).toBe('due');
    expect(a.machine.nextDeadline(T0 + 2 * WEEK)).toBeUndefined();

    const b = driven();
    const sentAt = to['explanation-sent']!(b);
    expect(b.machine.nextDeadline(sentAt)).toEqual({ at: sentAt + 6 * WEEK, name: 'objection period' });
    b.machine.advance(sentAt + 6 * WEEK - 1);
    expect(b.machine.phase).toBe('explanation-sent');
    b.machine.advance(sentAt + 6 * WEEK);
    expect(b.machine.phase).toBe('due');
  });

  it('timers - a legal hold suspends the phase timers; on release the passed ones fire at once', () => {
    const d = driven();
    to['on-hold (legal hold)']!(d);
    expect(d.machine.nextDeadline(T0 + HOUR)).toBeUndefined();
    d.machine.advance(T0 + 4 * WEEK);
    expect(d.machine.phase).toBe('on-hold');
    d.take('releaseHold', T0 + 4 * WEEK);
    expect(d.machine.phase).toBe('awaiting-cutoff');
    d.machine.advance(T0 + 4 * WEEK);
    expect(d.machine.phase).toBe('due');
  });

  it('timers - the response deadline alerts once, even under a legal hold, and not after the explanation', () => {
    const d = driven();
    to.consultation!(d);
    d.take('placeHold', T0 + DAY);
    expect(d.machine.nextDeadline(T0 + DAY)).toEqual({ at: T0 + 30 * DAY, name: 'response deadline' });
    expect(d.machine.takeDueAlerts(T0 + 30 * DAY - 1)).toEqual([]);
    expect(d.machine.takeDueAlerts(T0 + 30 * DAY)).toEqual([{ what: 'response-overdue', inquiryId: INQUIRY, due: iso(T0 + 30 * DAY) }]);
    expect(d.machine.takeDueAlerts(T0 + 31 * DAY)).toEqual([]);
    expect(d.machine.flags()).toEqual({ inquiryOpen: true, onHold: true, responseOverdue: true });

    const answered = driven();
    to['explanation-sent']!(answered);
    expect(answered.machine.takeDueAlerts(T0 + 40 * DAY)).toEqual([]);
  });

  it('timers - a retention review alerts once when it is due', () => {
    const d = driven();
    const at = to.retained!(d);
    expect(d.machine.nextDeadline(at)).toEqual({ at: at + 26 * WEEK, name: 'retention review' });
    expect(d.machine.takeDueAlerts(at + 26 * WEEK)).toEqual([{ what: 'retention-review', due: iso(at + 26 * WEEK) }]);
    expect(d.machine.takeDueAlerts(at + 27 * WEEK)).toEqual([]);
    expect(d.machine.nextDeadline(at + 27 * WEEK)).toBeUndefined();
  });

  it('timers - every timer in the table has the name the Temporal UI shows', () => {
    expect(timers.map((t) => t.name)).toEqual(['inquiry cutoff', 'objection period', 'response deadline', 'retention review']);
  });
});

describe('RecordMachine - refusals and allowed actions', () => {
  it.each(Object.keys(to))('in %s - every action is refused exactly when it is not among the allowed actions, with a reason', (phase) => {
    const d = driven();
    const at = to[phase]!(d) + SECOND;
    const allowed = d.machine.allowedActions(at);
    for (const name of names) {
      // `allowedActions` and `refusal` derive from the same rule: with these valid payloads they agree.
      const refusal = d.machine.refusal(name, payloads[name], at);
      expect({ name, allowed: allowed.includes(actionLabels[name]) }).toEqual({ name, allowed: refusal === undefined });
      if (refusal) expect(refusal).toMatch(/^(record R-1 |the )/);
    }
  });

  it('refusals - name why and what is allowed now; nothing is changed', () => {
    const d = driven();
    const before = d.machine.changes;
    expect(() => check(d.machine, 'retryErasure', payloads.retryErasure, T0)).toThrow(
      `retry refused: record R-1 is in awaiting-cutoff until ${policy.inquiryCutoff}; only a record in erasure-failed (or waiting for a purge wave's batch) can be retried. Allowed now: inquiry, hold`,
    );
    expect(() => check(d.machine, 'registerInquiry', { ...payloads.registerInquiry, receivedAt: iso(T0 + 3 * WEEK) }, T0)).toThrow(/after the inquiry cutoff/);
    expect(() => check(d.machine, 'placeHold', { ...payloads.placeHold, actor: actors.coordinator }, T0)).toThrow(
      'hold refused: it is for the role privacy-officer, not coordinator (cora)',
    );
    to['on-hold (legal hold)']!(d);
    expect(() => check(d.machine, 'releaseHold', { ...payloads.releaseHold, reference: 'HOLD-2' }, T0 + HOUR)).toThrow(
      'the record is held under HOLD-1, not HOLD-2',
    );
    expect(d.machine.changes).toBe(before + 1);
  });

  it('refusals - an objection after the period is refused saying when it ended, before and after the timer fired', () => {
    const d = driven();
    const sentAt = to['explanation-sent']!(d);
    const late = sentAt + 6 * WEEK;
    expect(d.machine.refusal('fileObjection', payloads.fileObjection, late)).toBe(
      `the objection period of record R-1 ended on ${iso(late)} (6w after the explanation was sent on ${iso(sentAt)})`,
    );
    d.machine.advance(late);
    expect(d.machine.refusal('fileObjection', payloads.fileObjection, late)).toMatch(/ended on .*; record R-1 is due for destruction from/);
  });

  it('refusals - no hold while the explanation is being sent, and no second explanation', () => {
    const d = driven();
    const at = to.consultation!(d);
    d.machine.beginExplanation();
    expect(d.machine.allowedActions(at)).toEqual([]);
    d.machine.explanationFailed();
    expect(d.machine.allowedActions(at)).toEqual(['explain', 'hold']);
  });

  it('identity - kept as method and reference (status and history); without either, or with another method, refused naming the field', () => {
    const d = driven();
    const at = to['identity-check']!(d) + SECOND;
    const { actor } = payloads.confirmIdentity;
    const methods = 'identity refused: method: must be one of "in-person-document", "letter-to-registered-address", "electronic-identity"';
    expect(() => check(d.machine, 'confirmIdentity', { actor, reference: 'BALIE-2026-0042' }, at)).toThrow(methods);
    expect(() => check(d.machine, 'confirmIdentity', { actor, method: 'passport', reference: 'BALIE-2026-0042' }, at)).toThrow(methods);
    expect(() => check(d.machine, 'confirmIdentity', { actor, method: 'in-person-document' }, at)).toThrow('identity refused: reference: is missing');
    expect(() => check(d.machine, 'confirmIdentity', { actor, method: 'in-person-document', reference: 'scan of the passport.pdf' }, at)).toThrow(
      'identity refused: reference: a reference is an id',
    );
    expect(d.machine.phase).toBe('identity-check');
    d.take('confirmIdentity', at);
    const status = d.machine.status(at);
    expect(status.inquiry?.identity).toEqual({ method: 'in-person-document', reference: 'BALIE-2026-0042', confirmedAt: iso(at) });
    expect(status.history.at(-1)?.note).toBe(
      "requester's identity confirmed (in-person-document, reference BALIE-2026-0042); open for a screened consultation",
    );
    expect(d.machine.identity).toEqual(status.inquiry?.identity);
    expect(d.machine.beginExplanation()).toEqual({ inquiryId: INQUIRY, consultedSince: iso(at) });
  });

  it('roles - each action is refused for every role not allowed to take it', () => {
    const d = driven();
    for (const name of names) {
      for (const role of roles.filter((r) => !actionRoles[name].includes(r))) {
        expect(() => check(d.machine, name, { ...payloads[name], actor: { user: 'x', role } }, T0)).toThrow(`it is for the role`);
      }
    }
  });
});

describe('RecordMachine - releasability', () => {
  it.each<[string, string | undefined]>([
    ['awaiting-cutoff', 'not-due-yet'],
    ['awaiting-consent', 'inquiry-open'],
    ['identity-check', 'inquiry-open'],
    ['consultation', 'inquiry-open'],
    ['explanation-sent', 'objection-period'],
    ['on-hold (objection)', 'objection-on-hold'],
    ['on-hold (legal hold)', 'legal-hold'],
    ['retained', 'retained'],
    ['erasure-failed', 'erasure-failed'],
  ])('in %s - a release is refused as %s', (phase, reason) => {
    const d = driven();
    const at = to[phase]!(d) + SECOND;
    expect(d.machine.releasability(at, 'purge-run-2')).toMatchObject({ releasable: false, reason });
  });

  it('due - before the purge start refused, from it released; the same run again is answered the same, another run is refused', () => {
    const d = driven();
    to.due!(d);
    expect(d.machine.releasability(T0 + 3 * WEEK - 1, 'purge-run-1')).toMatchObject({ releasable: false, reason: 'before-purge-start' });
    expect(d.machine.releasability(T0 + 3 * WEEK, 'purge-run-1')).toEqual({ releasable: true });
    d.machine.release('purge-run-1', T0 + 3 * WEEK);
    expect(d.machine.erasureMayStart).toBe(true);
    expect(d.machine.releasability(T0 + 3 * WEEK, 'purge-run-1')).toEqual({ releasable: true });
    expect(d.machine.releasability(T0 + 3 * WEEK, 'purge-run-2')).toMatchObject({ releasable: false, reason: 'already-released' });
  });

  it('a passed cutoff counts as fired: a record still in awaiting-cutoff after the purge start is releasable', () => {
    const d = driven();
    expect(d.machine.releasability(T0 + 3 * WEEK, 'purge-run-1')).toEqual({ releasable: true });
  });

  it('a release by signal is judged after time is applied: taken when releasable, noted and dropped when not', () => {
    const d = driven();
    d.machine.requestRelease('purge-run-1');
    d.machine.advance(T0 + HOUR);
    expect(d.machine.erasureMayStart).toBe(false);
    expect(d.machine.status(T0 + HOUR).history.at(-1)?.note).toMatch(/^release by purge run purge-run-1 not taken: record R-1 is in awaiting-cutoff/);
    d.machine.requestRelease('purge-run-2');
    d.machine.advance(T0 + 3 * WEEK);
    expect(d.machine.erasureMayStart).toBe(true);
  });

  it('every phase but due has a reason a purge run counts', () => {
    expect(Object.keys(notReleasableIn).sort()).toEqual(lifecyclePhases.filter((p) => p !== 'due').sort());
  });
});

describe('RecordMachine - erasure', () => {
  it('erased - records the activity’s steps at their instants, then refuses every release and action', () => {
    const d = driven();
    const at = T0 + 3 * WEEK;
    d.machine.advance(at);
    d.machine.release('purge-run-1', at);
    d.machine.beginErasure(['case-admin'], at);
    d.machine.erased({
      certificateId: 'C-1',
      sequence: 7,
      issuedAt: iso(at + 2 * SECOND),
      verifiedAt: iso(at + SECOND),
      systems: [{ system: 'case-admin', removed: { persons: 1 } }],
      inquiryClosed: false,
    });
    const status = d.machine.status(at + 3 * SECOND);
    expect(status.history.slice(-4).map((e) => [e.phase, e.at])).toEqual([
      ['erasing', iso(at)],
      ['verifying', iso(at + SECOND)],
      ['certifying', iso(at + 2 * SECOND)],
      ['erased', iso(at + 2 * SECOND)],
    ]);
    expect(status).toMatchObject({ phase: 'erased', certificateId: 'C-1', erasedAt: iso(at + 2 * SECOND), allowedActions: [] });
    expect(d.machine.releasability(at, 'purge-run-2')).toMatchObject({ releasable: false, reason: 'erased' });
  });
});

/**
 * The safety property: whatever coordinators, purge runs and the clock do, in any order,
 * a record's erasure never begins under a legal hold, while an objection is open, before
 * the objection period ends (unless a privacy officer decided to proceed), before the purge
 * start, or with an inquiry whose requester consented but was never answered.
 */
describe('RecordMachine - property: nothing is erased early', () => {
  type Step =
    | { kind: 'act'; name: ActionName; variant: number }
    | { kind: 'tick'; ms: number }
    | { kind: 'release'; run: number }
    | { kind: 'signal'; run: number }
    | { kind: 'fail' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('act' as const), name: fc.constantFrom(...names), variant: fc.nat(3) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(SECOND, HOUR, DAY, WEEK, 2 * WEEK, 6 * WEEK) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), run: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('signal' as const), run: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
  );
  const variantOf = (name: ActionName, variant: number, now: number): Action<ActionName> => {
    const base = payloads[name];
    if (name === 'registerInquiry') return { ...base, receivedAt: iso(now - variant * DAY) };
    if (name === 'recordConsent') return { ...base, given: variant !== 1 };
    if (name === 'decideObjection') return { ...base, outcome: variant === 1 ? 'retain' : 'proceed' };
    return base;
  };

  it('no sequence of actions, releases and clock moves erases a record under a hold, during an objection or before its periods end', () => {
    let erasures = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const { machine, take } = driven();
        let now = T0;
        let proceededAfterExplanation = false;
        for (const s of steps) {
          if (s.kind === 'tick') now += s.ms;
          if (s.kind === 'act') {
            const payload = variantOf(s.name, s.variant, now);
            try {
              take(s.name, now, payload);
              if (s.name === 'decideObjection' && (payload as Action<'decideObjection'>).outcome === 'proceed') proceededAfterExplanation = true;
            } catch {
              // refused: the server would not let it into history
            }
          }
          if (s.kind === 'release') {
            try {
              machine.release(validateRelease(machine, { runRef: `purge-run-${s.run}` }, now).runRef, now);
            } catch {
              // refused with a reason the run counts
            }
          }
          if (s.kind === 'signal') machine.requestRelease(`purge-run-${s.run}`);
          // The workflow loop: time first, then alerts, then erasure if it may start.
          machine.advance(now);
          machine.takeDueAlerts(now);
          if (!machine.erasureMayStart) continue;
          const status = machine.status(now);
          const objectionEnds = status.inquiry?.objectionPeriodEnds;
          expect(status.legalHold).toBeUndefined();
          expect(status.objection).toBeUndefined();
          expect(now).toBeGreaterThanOrEqual(Date.parse(policy.purgeStart));
          expect(now).toBeGreaterThanOrEqual(Date.parse(policy.inquiryCutoff));
          if (objectionEnds && !proceededAfterExplanation) expect(now).toBeGreaterThanOrEqual(Date.parse(objectionEnds));
          if (status.inquiry && status.inquiry.consent !== false) expect(status.inquiry.explanationSentAt).toBeDefined();
          erasures += 1;
          machine.beginErasure(['case-admin'], now);
          if (steps.some((x) => x.kind === 'fail')) {
            machine.erasureFailed('erasure failed after retries: stand-in', now);
          } else {
            machine.erased({ certificateId: 'C', sequence: 1, issuedAt: iso(now), verifiedAt: iso(now), systems: [], inquiryClosed: false });
            expect(machine.allowedActions(now)).toEqual([]);
            return;
          }
        }
      }),
      fuzzSettings(3000),
    );
    // The property is only worth something if erasures did happen in the generated runs.
    expect(erasures).toBeGreaterThan(50);
  });
});
