import { purgeScheduleSpec, DEFAULT_PURGE_CRON } from '../../infra/purge-schedule';
import { InvalidInputError } from '../../schemas/errors';
import { policySchema } from '../../schemas/policy';
import { ApplicationFailure } from '@temporalio/common';
import { purgeRunInputSchema, purgeRunSettingsSchema, skipReasons } from '../../schemas/purge';
import { releaseRefusal, releaseRefusalOf } from '../../workflows/definitions';

const policy = policySchema.parse({ version: 'source-case-2024', inquiryCutoff: '2024-03-31T23:59:59+02:00', purgeStart: '2024-04-01T00:00:00.250+02:00' });

describe('purge schedule spec', () => {
  it('purgeScheduleSpec - default - runs first at the purge start (the next whole second), then nightly, never before it', () => {
    const spec = purgeScheduleSpec({ policy });
    expect(spec.calendars).toEqual([expect.objectContaining({ year: 2024, month: 'MARCH', dayOfMonth: 31, hour: 22, minute: 0, second: 1 })]);
    expect(spec.cronExpressions).toEqual([DEFAULT_PURGE_CRON]);
    expect(spec.intervals).toBeUndefined();
    expect(spec.startAt).toEqual(new Date('2024-03-31T22:00:01.000Z'));
  });

  it('purgeScheduleSpec - --every - uses an interval instead of the cron expression', () => {
    expect(purgeScheduleSpec({ policy, every: '1m' }).intervals).toEqual([{ every: 60_000 }]);
  });

  it('purgeScheduleSpec - bad interval or both kinds - is refused with the flag named', () => {
    expect(() => purgeScheduleSpec({ policy, every: 'soon' })).toThrow(InvalidInputError);
    expect(() => purgeScheduleSpec({ policy, every: 'soon' })).toThrow(/--every: "soon" is not a duration/);
    expect(() => purgeScheduleSpec({ policy, every: '500ms' })).toThrow(/at least 1s/);
    expect(() => purgeScheduleSpec({ policy, every: '1m', cron: '0 2 * * *' })).toThrow(/--cron or --every, not both/);
  });
});

describe('purge run settings and input', () => {
  it('purgeRunSettingsSchema - empty - gives the documented defaults', () => {
    expect(purgeRunSettingsSchema.parse({})).toEqual({ waveSize: 500, erasureBatch: 100, approvalRequired: false, reconcileSample: 1, settleTimeout: '6h' });
  });

  it('purgeRunSettingsSchema - out of range - names each problem', () => {
    const result = purgeRunSettingsSchema.safeParse({ waveSize: 0, reconcileSample: 2, settleTimeout: 'later' });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'waveSize: waveSize must be at least 1',
        'reconcileSample: reconcileSample is a share between 0 and 1',
        expect.stringMatching(/^settleTimeout: must be a whole number and a unit/),
      ]),
    );
  });

  it('policySchema - purgeRun settings - are optional and partial, so stored policies keep their content', () => {
    expect(policy.purgeRun).toBeUndefined();
    expect(policySchema.parse({ ...policy, purgeRun: { approvalRequired: true } }).purgeRun).toMatchObject({ approvalRequired: true });
  });

  it('purgeRunInputSchema - a dossier id with a quote - is refused', () => {
    expect(purgeRunInputSchema.safeParse({ dossier: "D' OR 1=1" }).success).toBe(false);
    expect(purgeRunInputSchema.parse({ dossier: 'D-2024-01', actionKeys: [], startedBy: { actor: { user: 'cora', role: 'coordinator' } } })).toMatchObject({
      dryRun: false,
      settings: { waveSize: 500 },
    });
  });

  it('release refusals - a failure type per reason - carry the reason to the releasing activity, as the failure or as its cause', () => {
    for (const reason of skipReasons) {
      const failure = releaseRefusal({ reason, detail: 'record R-1 is on legal hold RB-1' });
      expect(failure.nonRetryable).toBe(true);
      expect(releaseRefusalOf(failure)).toEqual({ reason, detail: 'record R-1 is on legal hold RB-1' });
      expect(releaseRefusalOf(new Error('Workflow Update failed', { cause: failure }))).toEqual({ reason, detail: failure.message });
    }
    expect(new Set(skipReasons.map((reason) => releaseRefusal({ reason, detail: 'x' }).type)).size).toBe(skipReasons.length);
    // Any other failure is not a refusal, whatever its message says.
    expect(releaseRefusalOf(ApplicationFailure.create({ type: 'NotReleasable.made-up', message: 'x' }))).toBeUndefined();
    expect(releaseRefusalOf(new Error('legal-hold'))).toBeUndefined();
  });
});
