import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DatabaseError } from 'pg';
import { createActivities, type ActivityDeps } from '../../activities';
import { failureOf, withErrorBoundary } from '../../activities/error-boundary';
import { createInquiryActivities, type InquiryActivityDeps } from '../../activities/inquiry';
import { createPurgeActivities, type PurgeActivityDeps } from '../../activities/purge';
import { ErasureError } from '../../schemas/errors';

/** What PostgreSQL says when it chokes on a value: the value is in the message, and must not reach workflow history. */
const SECRET = 'Jan de Vries, Kerkstraat 1';
function databaseError(): DatabaseError {
  const err = new DatabaseError(`invalid input syntax for type integer: "${SECRET}"`, 100, 'error');
  return Object.assign(err, { code: '22P02', severity: 'ERROR', table: 'persons', constraint: 'persons_pkey', routine: 'pg_strtoint32_safe' });
}

/** A dependency or an input of which any use fails as the database would: whatever an activity touches first, it throws inside the activity. */
const failing = <T extends object>(): T =>
  new Proxy({} as T, {
    get() {
      throw databaseError();
    },
  });

const activityDeps: ActivityDeps = {
  registry: failing(),
  adapters: failing(),
  keys: failing(),
  mailer: failing(),
  coordinatorsEmail: 'coordinators@test.invalid',
};
const purgeDeps: PurgeActivityDeps = { registry: failing(), client: failing(), taskQueue: 'tq', reportsDir: '/nonexistent' };
const inquiryDeps: InquiryActivityDeps = { registry: failing(), client: failing() };

/** Every activity of every factory the worker registers, listed from the objects themselves: a new activity is in here without anyone adding it. */
const everyActivity = Object.entries({
  createActivities: createActivities(activityDeps),
  createPurgeActivities: createPurgeActivities(purgeDeps),
  createInquiryActivities: createInquiryActivities(inquiryDeps),
}).flatMap(([factory, activities]) =>
  Object.entries(activities as Record<string, (input: unknown) => Promise<unknown>>).map(([name, activity]) => ({ factory, name, activity })),
);

describe('withErrorBoundary - every activity of every factory', () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it('the list - holds the activities of all three factories', () => {
    const names = (factory: string) => everyActivity.filter((a) => a.factory === factory).map((a) => a.name);
    expect(names('createActivities')).toEqual(
      expect.arrayContaining([
        'eraseRecord',
        'recordErasureFailure',
        'sendExplanation',
        'sendNoDataFound',
        'notifyCoordinators',
        'reconcilePage',
        'destroyUnmatchedInquiry',
      ]),
    );
    expect(names('createPurgeActivities')).toEqual(expect.arrayContaining(['beginPurgeRun', 'releasePage', 'dryRunPage', 'finishPurgeRun']));
    expect(names('createInquiryActivities')).toEqual(expect.arrayContaining(['loadInquiryReview', 'registerInquiryOnRecord']));
    expect(names('createActivities')).not.toContain('closeInquiryForRecord');
  });

  it.each(everyActivity.map((a) => [`${a.factory}.${a.name}`, a] as const))(
    '%s - a database error inside - comes out as a retryable DATABASE_ERROR with SQLSTATE, table and constraint, the value in the worker log only',
    async (_, { activity }) => {
      const failure = await activity(failing()).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({
        type: 'DATABASE_ERROR',
        nonRetryable: false,
        message: 'database error SQLSTATE 22P02 (table persons, constraint persons_pkey, in pg_strtoint32_safe)',
      });
      expect(JSON.stringify({ ...(failure as object), message: (failure as Error).message, stack: (failure as Error).stack })).not.toContain(SECRET);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(SECRET));
    },
  );
});

describe('failureOf - what crosses the activity boundary', () => {
  it('an ErasureError - becomes a non-retryable failure typed by its code, its own (id-only) text kept', () => {
    expect(failureOf(new ErasureError('UNKNOWN_POLICY', 'no policy version "p-1" is stored'))).toMatchObject({
      type: 'UNKNOWN_POLICY',
      nonRetryable: true,
      message: 'no policy version "p-1" is stored',
    });
  });

  it('VERIFICATION_FAILED - stays retryable: data left after an erase may be gone on the next attempt', () => {
    const failure = failureOf(new ErasureError('VERIFICATION_FAILED', 'verification found data left after erasure (case-admin: {"persons":1})'));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'VERIFICATION_FAILED', nonRetryable: false });
  });

  it('a Temporal client error - passes unchanged (its text names workflow ids only)', () => {
    const err = new WorkflowNotFoundError('workflow not found', 'record-R-1', undefined);
    expect(failureOf(err)).toBe(err);
  });

  it('a failure thrown on purpose - passes unchanged', () => {
    const err = ApplicationFailure.nonRetryable('refused', 'SOMETHING');
    expect(failureOf(err)).toBe(err);
  });

  it('withErrorBoundary - an activity that succeeds - gets its arguments and returns its result unchanged', async () => {
    const wrapped = withErrorBoundary({ add: async (a: number, b: number) => a + b });
    await expect(wrapped.add(2, 3)).resolves.toBe(5);
  });
});
