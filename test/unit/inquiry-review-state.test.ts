import { InquiryReview } from '../../workflows/inquiry-review-state';
import type { InquiryReviewSnapshot } from '../../schemas/inquiry-review';

const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };
const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const t0 = new Date('2024-03-01T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const input = {
  inquiryId: '0f28b07c-2376-4888-b618-80323b4bd686',
  receivedAt: t0.toISOString(),
  inquiryCutoff: '2024-03-31T21:59:59.000Z',
  responseDue: '2024-03-31T10:00:00.000Z',
  registeredBy: COORDINATOR,
  actionKeys: [],
};
const snapshot = (part: Partial<InquiryReviewSnapshot> = {}): InquiryReviewSnapshot => ({ exists: true, links: [], candidates: [], ...part });
const candidate = (recordId: string) => ({ recordId, reasons: ['sounds-alike' as const], foundAt: t0.toISOString() });

describe("InquiryReview - the pure state of one inquiry's matching", () => {
  it('before the registry is read - refuses every decision and offers nothing', () => {
    const review = new InquiryReview(input);
    expect(review.status()).toMatchObject({ stage: 'loading', allowedActions: [] });
    expect(review.noMatchRefusal({ actor: REVIEWER })).toContain('is starting; try again');
    expect(review.letterDue()).toBeUndefined();
  });

  it('no link and no candidate - no letter until a screened reviewer confirms "no match"; destroyed only after the cutoff', () => {
    const review = new InquiryReview(input);
    review.load(snapshot(), at(0));
    expect(review.status()).toMatchObject({ stage: 'awaiting-review', allowedActions: ['no-match'] });
    expect(review.letterDue()).toBeUndefined();
    expect(review.verdict(at(1))).toBeUndefined();
    expect(review.noMatchRefusal({ actor: COORDINATOR })).toBe('it is for the role screened-reviewer, not coordinator (cora)');
    review.confirmNoMatch({ actor: REVIEWER }, at(2));
    expect(review.noMatchRefusal({ actor: REVIEWER })).toMatch(/^no match was confirmed by rev \(screened-reviewer\) on /);
    expect(review.letterDue()).toBe('no-data');
    review.letterSent('no-data', 'm-1@test', at(3));
    expect(review.letterDue()).toBeUndefined();
    expect(review.verdict(at(4))).toBeUndefined();
    expect(review.nextDeadline(at(4))).toEqual({ at: Date.parse(input.inquiryCutoff), summary: 'inquiry cutoff' });
    expect(review.verdict(new Date(input.inquiryCutoff))).toBe('destroy');
  });

  it('candidates - each is confirmed or rejected once; "no match" waits for all; a confirmed one is registered in the reviewer\'s name', () => {
    const review = new InquiryReview(input);
    review.load(snapshot({ candidates: [candidate('R-1'), candidate('R-2')] }), at(0));
    expect(review.status().allowedActions).toEqual(['confirm', 'reject']);
    expect(review.noMatchRefusal({ actor: REVIEWER })).toBe('decide on the candidates first (confirm or reject): R-1, R-2');
    expect(review.decisionRefusal({ actor: REVIEWER, recordId: 'R-9', outcome: 'confirm' })).toContain('record R-9 is not a candidate');
    review.beginDecision('R-1');
    expect(review.decisionRefusal({ actor: REVIEWER, recordId: 'R-1', outcome: 'reject' })).toBe('a decision on record R-1 is being recorded');
    review.decide({ actor: REVIEWER, recordId: 'R-1', outcome: 'confirm' }, at(1));
    expect(review.decisionRefusal({ actor: REVIEWER, recordId: 'R-1', outcome: 'reject' })).toContain(
      'record R-1 was already confirmed by rev (screened-reviewer)',
    );
    expect(review.pendingRegistrations(at(1))).toEqual([{ recordId: 'R-1', actor: REVIEWER }]);
    review.registration('R-1', { result: 'registered' }, at(2));
    // R-2 is still undecided: not done, and no letter.
    expect(review.verdict(at(2))).toBeUndefined();
    review.decide({ actor: REVIEWER, recordId: 'R-2', outcome: 'reject', reason: 'another person' }, at(3));
    expect(review.verdict(at(3))).toBe('done');
    expect(review.letterDue()).toBeUndefined();
    expect(review.status().stage).toBe('linked');
  });

  it("exact links - registered in the registering coordinator's name; a record without a lifecycle is asked again with a growing delay", () => {
    const review = new InquiryReview(input);
    review.load(snapshot({ links: [{ recordId: 'R-1', how: 'exact-match', linkedAt: t0.toISOString() }] }), at(0));
    expect(review.pendingRegistrations(at(0))).toEqual([{ recordId: 'R-1', actor: COORDINATOR }]);
    review.registration('R-1', { result: 'no-lifecycle' }, at(0));
    expect(review.pendingRegistrations(at(0.5))).toEqual([]);
    expect(review.nextDeadline(at(0))?.at).toBe(at(1).getTime());
    review.registration('R-1', { result: 'no-lifecycle' }, at(1));
    expect(review.nextDeadline(at(1))?.at).toBe(at(3).getTime());
    expect(review.status().stage).toBe('registering');
    expect(review.noMatchRefusal({ actor: REVIEWER })).toContain('the inquiry has linked records (R-1)');
    review.registration('R-1', { result: 'registered' }, at(3));
    expect(review.verdict(at(3))).toBe('done');
  });

  it('the registry changed (lifecycles started) - a link waiting for its lifecycle is asked again at once, not after its delay', () => {
    const review = new InquiryReview(input);
    const links = [{ recordId: 'R-1', how: 'exact-match' as const, linkedAt: t0.toISOString() }];
    review.load(snapshot({ links }), at(0));
    review.registration('R-1', { result: 'no-lifecycle' }, at(0));
    review.registration('R-1', { result: 'no-lifecycle' }, at(1));
    expect(review.pendingRegistrations(at(2))).toEqual([]);
    review.load(snapshot({ links }), at(2));
    expect(review.pendingRegistrations(at(2))).toEqual([{ recordId: 'R-1', actor: COORDINATOR }]);
  });

  it('"no match" being recorded - a second confirmation is refused meanwhile, and allowed again if the first failed', () => {
    const review = new InquiryReview(input);
    review.load(snapshot(), at(0));
    review.beginNoMatch();
    expect(review.noMatchRefusal({ actor: REVIEWER })).toBe('a confirmation of no match is being recorded');
    review.abortNoMatch();
    expect(review.noMatchRefusal({ actor: REVIEWER })).toBeUndefined();
    review.beginNoMatch();
    review.confirmNoMatch({ actor: REVIEWER }, at(1));
    expect(review.noMatchRefusal({ actor: REVIEWER })).toMatch(/^no match was confirmed by /);
  });

  it('every linked record already being destroyed - the requester is told so without a review; a refused record blocks until it takes the inquiry', () => {
    const review = new InquiryReview(input);
    review.load(
      snapshot({
        links: [
          { recordId: 'R-1', how: 'exact-match', linkedAt: t0.toISOString() },
          { recordId: 'R-2', how: 'exact-match', linkedAt: t0.toISOString() },
        ],
      }),
      at(0),
    );
    review.registration('R-1', { result: 'being-destroyed', detail: 'it is erasing' }, at(1));
    review.registration('R-2', { result: 'refused', detail: 'record R-2 is on legal hold RB-1' }, at(1));
    expect(review.letterDue()).toBeUndefined();
    expect(review.verdict(at(1))).toBeUndefined();
    review.registration('R-2', { result: 'being-destroyed', detail: 'it is erasing' }, at(2));
    expect(review.letterDue()).toBe('being-destroyed');
  });

  it('a later run - reads decisions, the answer and links back from the registry, with their own instants', () => {
    const review = new InquiryReview(input);
    review.load(
      snapshot({
        candidates: [{ ...candidate('R-1'), decision: { outcome: 'rejected', by: REVIEWER, at: at(5).toISOString() } }],
        noMatch: { by: 'rev (screened-reviewer)', at: at(6).toISOString() },
        letter: { kind: 'no-data', messageId: 'm-1', sentAt: at(7).toISOString() },
      }),
      at(60),
    );
    const status = review.status();
    expect(status.history.map((e) => e.at)).toEqual([t0, at(5), at(6), at(7)].map((d) => d.toISOString()));
    expect(status).toMatchObject({ stage: 'answered', allowedActions: [] });
    expect(review.letterDue()).toBeUndefined();
    // Records imported later, before the cutoff: the review opens again.
    review.load(
      snapshot({ candidates: [{ ...candidate('R-1'), decision: { outcome: 'rejected', by: REVIEWER, at: at(5).toISOString() } }, candidate('R-3')] }),
      at(61),
    );
    expect(review.status()).toMatchObject({ stage: 'awaiting-review', allowedActions: ['confirm', 'reject'] });
    expect(review.verdict(new Date(input.inquiryCutoff))).toBeUndefined();
  });

  it('response deadline - passes while the inquiry awaits its review - alerts once; not once the requester is answered', () => {
    const review = new InquiryReview(input);
    review.load(snapshot({ candidates: [candidate('R-1')] }), at(0));
    expect(review.nextDeadline(at(0))).toEqual({ at: Date.parse(input.responseDue), summary: 'response deadline' });
    expect(review.responseOverdue(at(1))).toBe(false);
    expect(review.responseOverdue(new Date(input.responseDue))).toBe(true);
    review.markResponseOverdue(new Date(input.responseDue));
    expect(review.responseOverdue(new Date(input.responseDue))).toBe(false);
    expect(review.status().history.at(-1)?.note).toContain('the coordinators are alerted');

    const answered = new InquiryReview(input);
    answered.load(
      snapshot({
        noMatch: { by: 'rev (screened-reviewer)', at: at(1).toISOString() },
        letter: { kind: 'no-data', messageId: 'm', sentAt: at(2).toISOString() },
      }),
      at(3),
    );
    expect(answered.responseOverdue(new Date(input.responseDue))).toBe(false);
  });

  it('the inquiry gone from the registry (destroyed with its last record) - the review ends', () => {
    const review = new InquiryReview(input);
    review.load(snapshot({ exists: false }), at(0));
    expect(review.verdict(at(0))).toBe('done');
    expect(review.status()).toMatchObject({ stage: 'gone', allowedActions: [] });
  });
});
