import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { inquiryWorkflowId, type InquiryReviewInput, type InquiryReviewSnapshot, type InquiryReviewStatus } from '../../schemas/inquiry-review';
import type { Actor } from '../../schemas/roles';
import type { Registration } from '../../workflows/inquiry-review-state';
import { confirmNoMatchUpdate, decideCandidateUpdate, inquiryStatusQuery, registryChangedSignal, type inquiryReview } from '../../workflows';
import { decisions } from '../helpers/history';
import { until } from '../helpers/poll';
import { saveHistory } from '../helpers/record-history';
import { uniqueId, signed, testActionKeys, testActionSigner } from '../helpers/services';
import { useWorkflowLayer, withWorker, type AllActivities } from '../helpers/worker';

const COORDINATOR: Actor = { user: 'cora', role: 'coordinator' };
const REVIEWER: Actor = { user: 'rev', role: 'screened-reviewer' };
const DESTROYED = ['inquiry', 'requester-contact-data', 'inquiry-email'];

interface Call {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly at: number;
}

type Snapshot = {
  -readonly [K in keyof InquiryReviewSnapshot]: InquiryReviewSnapshot[K];
};

/**
 * Stand-ins for the review's activities: an in-memory registry entry for the inquiry (what
 * `loadInquiryReview` reads, and what decisions write) and record lifecycles that answer
 * `registerInquiryOnRecord` as told. Every call is recorded.
 */
function reviewStandIns(registry: Snapshot, options: { lifecycle?: (recordId: string) => Registration; failDecisions?: number } = {}) {
  const calls: Call[] = [];
  const warrants: { recordId: string; update: string; by: unknown }[] = [];
  let failDecisions = options.failDecisions ?? 0;
  let letters = 0;
  const record = (name: string, input: object) => calls.push({ name, input: { ...input }, at: Date.now() });
  const activities: Partial<AllActivities> = {
    async loadInquiryReview(input) {
      record('loadInquiryReview', input);
      return structuredClone(registry);
    },
    async registerInquiryOnRecord({ warrant, ...input }) {
      // The warrant (what the service signed) is recorded apart: the assertions below read the ids and the actor.
      record('registerInquiryOnRecord', input);
      if (warrant) warrants.push({ recordId: input.recordId, update: warrant.update, by: warrant.body.actor });
      const outcome = options.lifecycle?.(input.recordId) ?? { result: 'registered' };
      if (outcome.result === 'registered') {
        registry.links = registry.links.map((l) => (l.recordId === input.recordId ? { ...l, registeredAt: new Date().toISOString() } : l));
      }
      return outcome;
    },
    async recordCandidateDecision(input) {
      record('recordCandidateDecision', input);
      if (failDecisions > 0) {
        failDecisions -= 1;
        throw ApplicationFailure.nonRetryable(
          `${input.actor.user} has not reviewed inquiry ${input.inquiryId} since its candidates were found`,
          'INVALID_INPUT',
        );
      }
      const at = new Date().toISOString();
      const outcome = input.outcome === 'confirm' ? ('confirmed' as const) : ('rejected' as const);
      registry.candidates = registry.candidates.map((c) => (c.recordId === input.recordId ? { ...c, decision: { outcome, by: input.actor, at } } : c));
      if (outcome === 'confirmed') registry.links = [...registry.links, { recordId: input.recordId, how: 'confirmed-candidate', linkedAt: at }];
    },
    async recordNoMatch(input) {
      record('recordNoMatch', input);
      registry.noMatch = { by: `${input.actor.user} (${input.actor.role})`, at: new Date().toISOString() };
    },
    async sendNoDataFound(input) {
      record('sendNoDataFound', input);
      letters += 1;
      return { messageId: `<letter-${letters}@test.invalid>` };
    },
    async notifyCoordinators(input) {
      record('notifyCoordinators', input);
      return { messageId: '<alert@test.invalid>' };
    },
    async destroyUnmatchedInquiry(input) {
      record('destroyUnmatchedInquiry', input);
      return { inquiryId: input.inquiryId, destroyed: DESTROYED, remainingRecords: 0 };
    },
  };
  return { activities, calls, warrants, of: (name: string) => calls.filter((c) => c.name === name), names: () => calls.map((c) => c.name) };
}

const emptyRegistry = (): Snapshot => ({ exists: true, links: [], candidates: [] });

/** An inquiry received now; the deadlines as given (ms from now). */
function inquiry(cutoffInMs: number, responseDueInMs: number): InquiryReviewInput {
  const now = Date.now();
  return {
    inquiryId: randomUUID(),
    receivedAt: new Date(now).toISOString(),
    inquiryCutoff: new Date(now + cutoffInMs).toISOString(),
    responseDue: new Date(now + responseDueInMs).toISOString(),
    registeredBy: COORDINATOR,
    actionKeys: testActionKeys,
  };
}

const HOUR = 3_600_000;
const MONTH = 30 * 24 * HOUR;

type Review = WorkflowHandle<typeof inquiryReview>;

const refusal = async (work: Promise<unknown>): Promise<string> => {
  const error = await work.catch((err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause?.message ?? '';
};

describe('inquiryReview - with stand-in activities on a real dev server', () => {
  const layer = useWorkflowLayer();

  /** Started as the service would: with its keys and the coordinator's signed registration. */
  const start = (tq: string, input: InquiryReviewInput): Promise<Review> =>
    layer.client.workflow.start<typeof inquiryReview>('inquiryReview', {
      workflowId: inquiryWorkflowId(input.inquiryId),
      taskQueue: tq,
      args: [{ ...input, registration: testActionSigner.signInquiryRegistration(input.registeredBy, input.inquiryId, input.receivedAt) }],
    });
  const statusOf = (review: Review) => review.query(inquiryStatusQuery);
  const stageIs = (review: Review, stage: InquiryReviewStatus['stage'], also: (s: InquiryReviewStatus) => boolean = () => true) =>
    until(`the review in stage ${stage}`, () => statusOf(review), { accept: (s: InquiryReviewStatus) => s.stage === stage && also(s) });
  const decide = (review: Review, actor: Actor, recordId: string, outcome: 'confirm' | 'reject', reason?: string) =>
    review.executeUpdate(decideCandidateUpdate, {
      args: [signed(review.workflowId, decideCandidateUpdate, { actor, recordId, outcome, ...(reason ? { reason } : {}) })],
    });

  it("inquiryReview - exact matches - registers the inquiry on each linked record not yet carrying it, in the registering coordinator's name, and ends linked without a letter", async () => {
    const [x, y] = [uniqueId('R'), uniqueId('R')];
    const registry: Snapshot = {
      ...emptyRegistry(),
      links: [
        { recordId: x, how: 'exact-match', linkedAt: new Date().toISOString() },
        // Registered by an earlier run: not asked again.
        { recordId: y, how: 'exact-match', linkedAt: new Date().toISOString(), registeredAt: new Date().toISOString() },
      ],
    };
    const stand = reviewStandIns(registry);
    const input = inquiry(HOUR, MONTH);
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const review = await start(tq, input);
      await expect(review.result()).resolves.toEqual({ outcome: 'linked', destroyed: [] });
      expect(stand.of('registerInquiryOnRecord').map((c) => c.input)).toEqual([
        { inquiryId: input.inquiryId, recordId: x, receivedAt: input.receivedAt, actor: COORDINATOR },
      ]);
      expect(stand.names()).toEqual(['loadInquiryReview', 'registerInquiryOnRecord']);
      const status = await statusOf(review);
      expect(status.stage).toBe('linked');
      expect(status.links).toEqual([
        { recordId: x, how: 'exact-match', state: 'registered' },
        { recordId: y, how: 'exact-match', state: 'registered' },
      ]);
      expect(status.history.map((e) => e.note)).toContain(`the inquiry is registered on record ${x}`);
    });
  });

  it('inquiryReview - a linked record without a lifecycle yet - waits for it: no letter, and no "no match" allowed', async () => {
    const x = uniqueId('R');
    const registry: Snapshot = { ...emptyRegistry(), links: [{ recordId: x, how: 'exact-match', linkedAt: new Date().toISOString() }] };
    const stand = reviewStandIns(registry, { lifecycle: () => ({ result: 'no-lifecycle' }) });
    const input = inquiry(HOUR, MONTH);
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const review = await start(tq, input);
      const status = await stageIs(review, 'registering', (s) => s.links[0]?.state === 'waiting-for-lifecycle');
      expect(status.allowedActions).toEqual([]);
      expect(await refusal(review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: REVIEWER })] }))).toBe(
        `no-match refused: the inquiry has linked records (${x}): it is answered from them`,
      );
      expect(decisions(await review.fetchHistory())).toEqual(['activity:loadInquiryReview', 'activity:registerInquiryOnRecord', 'timer']);
      await review.terminate('test done');
    });
  });

  it('inquiryReview - candidates - are held until a screened reviewer decides; other roles, non-candidates and a premature "no match" are refused without a history event; a decision not recorded can be made again', async () => {
    const [a, b] = [uniqueId('R'), uniqueId('R')];
    const foundAt = new Date().toISOString();
    const registry: Snapshot = {
      ...emptyRegistry(),
      candidates: [
        { recordId: a, reasons: ['sounds-alike'], foundAt },
        { recordId: b, reasons: ['initial-and-surname'], foundAt },
      ],
    };
    const stand = reviewStandIns(registry, { failDecisions: 1 });
    const input = inquiry(HOUR, MONTH);
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const review = await start(tq, input);
      await expect(stageIs(review, 'awaiting-review')).resolves.toMatchObject({ allowedActions: ['confirm', 'reject'], links: [] });

      expect(await refusal(decide(review, COORDINATOR, a, 'confirm'))).toBe('confirm refused: it is for the role screened-reviewer, not coordinator (cora)');
      expect(await refusal(decide(review, REVIEWER, 'R-NOT-A-CANDIDATE', 'reject'))).toBe(
        `reject refused: record R-NOT-A-CANDIDATE is not a candidate of inquiry ${input.inquiryId}; undecided candidates: ${a}, ${b}`,
      );
      expect(await refusal(review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: REVIEWER })] }))).toBe(
        `no-match refused: decide on the candidates first (confirm or reject): ${a}, ${b}`,
      );
      // Only the timer of the response deadline: the refusals left no event.
      expect(decisions(await review.fetchHistory())).toEqual(['activity:loadInquiryReview', 'timer']);
      expect(stand.of('recordCandidateDecision')).toEqual([]);

      // The registry did not take the decision: refused with the reason, the candidate still open.
      expect(await refusal(decide(review, REVIEWER, a, 'confirm'))).toBe(
        `confirm refused: rev has not reviewed inquiry ${input.inquiryId} since its candidates were found`,
      );
      expect((await statusOf(review)).candidates.find((c) => c.recordId === a)?.decision).toBeUndefined();
      expect(stand.of('registerInquiryOnRecord')).toEqual([]);

      const confirmed = await decide(review, REVIEWER, a, 'confirm');
      expect(confirmed.candidates.find((c) => c.recordId === a)?.decision).toMatchObject({ outcome: 'confirmed', by: REVIEWER });
      // A confirmed candidate takes the inquiry in the reviewer's name.
      await until('the inquiry registered on the confirmed record', () => stand.of('registerInquiryOnRecord').map((c) => c.input), {
        accept: (inputs) => inputs.length > 0,
      });
      expect(stand.of('registerInquiryOnRecord').map((c) => c.input)).toEqual([
        { inquiryId: input.inquiryId, recordId: a, receivedAt: input.receivedAt, actor: REVIEWER },
      ]);
      expect(await refusal(decide(review, REVIEWER, a, 'reject'))).toMatch(
        new RegExp(`^reject refused: record ${a} was already confirmed by rev \\(screened-reviewer\\) on `),
      );
      // Still held: b is undecided.
      expect((await statusOf(review)).allowedActions).toEqual(['confirm', 'reject']);

      await decide(review, REVIEWER, b, 'reject', 'another person, other date of birth');
      await expect(review.result()).resolves.toEqual({ outcome: 'linked', destroyed: [] });
      expect(stand.of('registerInquiryOnRecord')).toHaveLength(1);
      expect(stand.of('sendNoDataFound')).toEqual([]);
      // Three decisions were taken in (one failed in its handler); the refused ones left nothing.
      expect(decisions(await review.fetchHistory()).filter((d) => d.startsWith('update'))).toEqual([
        'update:decideCandidate',
        'update:decideCandidate',
        'update:decideCandidate',
      ]);
      const notes = (await statusOf(review)).history.map((e) => e.note);
      expect(notes).toContain(`candidate ${b} rejected (another person, other date of birth)`);
      expect(notes).toContain(`the inquiry is registered on record ${a}`);
    });
  });

  it('inquiryReview - no record matches - sends "no data found" only after a screened reviewer confirmed it, and destroys the answered inquiry after the cutoff', async () => {
    const stand = reviewStandIns(emptyRegistry());
    // The cutoff is the subject; the response deadline (2 s) is a witness: by then the review
    // has looked again with nothing changed, and still sent no letter.
    const input = inquiry(10_000, 2_000);
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const review = await start(tq, input);
      await expect(stageIs(review, 'awaiting-review')).resolves.toMatchObject({ allowedActions: ['no-match'], links: [], candidates: [] });
      await stageIs(review, 'awaiting-review', (s) => s.history.some((e) => e.note.includes('the coordinators are alerted')));
      expect(stand.of('notifyCoordinators').map((c) => c.input)).toEqual([
        { inquiryId: input.inquiryId, what: 'inquiry-review-overdue', due: input.responseDue },
      ]);
      // (Whether a timer came first depends on how soon the worker ran: the deadline is 2 s.)
      expect(decisions(await review.fetchHistory()).filter((d) => d !== 'timer')).toEqual(['activity:loadInquiryReview', 'activity:notifyCoordinators']);

      expect(
        await refusal(review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: COORDINATOR })] })),
      ).toBe('no-match refused: it is for the role screened-reviewer, not coordinator (cora)');
      await review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: REVIEWER })] });
      const answered = await until('the letter', () => statusOf(review), { accept: (s: InquiryReviewStatus) => s.letter !== undefined });
      expect(answered).toMatchObject({
        noMatch: { by: 'rev (screened-reviewer)' },
        letter: { kind: 'no-data', messageId: '<letter-1@test.invalid>' },
        allowedActions: [],
      });
      expect(stand.of('sendNoDataFound').map((c) => c.input)).toEqual([{ inquiryId: input.inquiryId, beingDestroyed: false }]);

      await expect(review.result()).resolves.toEqual({ outcome: 'destroyed', destroyed: DESTROYED });
      expect(stand.names()).toEqual(['loadInquiryReview', 'notifyCoordinators', 'recordNoMatch', 'sendNoDataFound', 'destroyUnmatchedInquiry']);
      // Records imported until the cutoff are still matched against it: not destroyed before.
      expect(stand.of('destroyUnmatchedInquiry')[0]?.at).toBeGreaterThanOrEqual(Date.parse(input.inquiryCutoff));
      expect((await statusOf(review)).stage).toBe('destroyed');
      await saveHistory(review, 'inquiry-review-workflow-no-match');
    });
  });

  it('inquiryReview - the only linked record is already being erased - answers "being destroyed" without a reviewer and destroys the inquiry once the cutoff has passed', async () => {
    const x = uniqueId('R');
    const registry: Snapshot = { ...emptyRegistry(), links: [{ recordId: x, how: 'exact-match', linkedAt: new Date().toISOString() }] };
    const detail = 'it is erasing; its data is already being destroyed';
    const stand = reviewStandIns(registry, { lifecycle: () => ({ result: 'being-destroyed', detail }) });
    const input = inquiry(-1_000, MONTH);
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const review = await start(tq, input);
      await expect(review.result()).resolves.toEqual({ outcome: 'destroyed', destroyed: DESTROYED });
      expect(stand.names()).toEqual(['loadInquiryReview', 'registerInquiryOnRecord', 'sendNoDataFound', 'destroyUnmatchedInquiry']);
      expect(stand.of('sendNoDataFound')[0]?.input).toEqual({ inquiryId: input.inquiryId, beingDestroyed: true });
      expect(await statusOf(review)).toMatchObject({
        stage: 'destroyed',
        links: [{ recordId: x, state: 'being-destroyed', detail }],
        letter: { kind: 'being-destroyed' },
      });
    });
  });

  it('inquiryReview - registryChanged signal - reads the registry again and registers the record linked since', async () => {
    const registry = emptyRegistry();
    const stand = reviewStandIns(registry);
    const input = inquiry(HOUR, MONTH);
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const review = await start(tq, input);
      await stageIs(review, 'awaiting-review');
      expect(stand.of('loadInquiryReview')).toHaveLength(1);
      // A record imported after the inquiry, with the same exact key.
      const later = uniqueId('R');
      registry.links = [{ recordId: later, how: 'exact-match', linkedAt: new Date().toISOString() }];
      await review.signal(registryChangedSignal);
      await expect(review.result()).resolves.toEqual({ outcome: 'linked', destroyed: [] });
      expect(stand.names()).toEqual(['loadInquiryReview', 'loadInquiryReview', 'registerInquiryOnRecord']);
      expect(stand.of('registerInquiryOnRecord')[0]?.input).toMatchObject({ recordId: later, actor: COORDINATOR });
      expect(stand.of('sendNoDataFound')).toEqual([]);
    });
  });
});
