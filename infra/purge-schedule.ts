import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSpec,
  MONTHS,
} from '@temporalio/client';
import { durationMs, durationSchema } from '../schemas/duration';
import { InvalidInputError } from '../schemas/errors';
import type { Policy } from '../schemas/policy';
import { PURGE_SCHEDULE_ID, purgeRunSettingsSchema, type PurgeRunInput, type PurgeRunSettings, type PurgeStart } from '../schemas/purge';
import { workflowTypes } from '../workflows/definitions';

export const DEFAULT_PURGE_CRON = '0 2 * * *';

export interface PurgeScheduleOptions {
  /** The policy whose purge start is the first run (and whose purgeRun settings apply). */
  readonly policy: Policy;
  readonly taskQueue: string;
  /** A cron expression (UTC), default nightly at 02:00. */
  readonly cron?: string;
  /** Or a fixed interval such as "1m" (demos and tests). */
  readonly every?: string;
  /** Per-schedule overrides of the policy's purgeRun settings. */
  readonly settings?: Partial<PurgeRunSettings>;
  /** Only this dossier's records (tests, or a dossier destroyed on its own rhythm). */
  readonly dossier?: string;
  readonly scheduleId?: string;
  /** The erasure service's public keys (`actionPublicKeys(config)`), given to every run. */
  readonly actionKeys: readonly string[];
  /** Who creates the schedule, signed by the service for `schedule:<id>` (`ActionSigner.signPurgeStart`): the four-eyes rule keeps them from approving. */
  readonly startedBy: PurgeStart;
}

/** The first run exactly at the purge start, then nightly (or every interval), never before the purge start. */
export function purgeScheduleSpec(options: Pick<PurgeScheduleOptions, 'policy' | 'cron' | 'every'>): ScheduleSpec {
  // Schedules fire on whole seconds: the first run is the first whole second not before the purge start.
  const start = new Date(Math.ceil(Date.parse(options.policy.purgeStart) / 1000) * 1000);
  if (options.cron && options.every) throw new InvalidInputError('purge schedule', [{ field: '--every', message: 'give --cron or --every, not both' }]);
  if (options.every && !durationSchema.safeParse(options.every).success) {
    throw new InvalidInputError('purge schedule', [{ field: '--every', message: `"${options.every}" is not a duration; write e.g. 1m, 6h or 1d` }]);
  }
  if (options.every && durationMs(options.every) < 1000) {
    throw new InvalidInputError('purge schedule', [{ field: '--every', message: 'the interval must be at least 1s' }]);
  }
  return {
    calendars: [
      {
        year: start.getUTCFullYear(),
        month: MONTHS[start.getUTCMonth()],
        dayOfMonth: start.getUTCDate(),
        hour: start.getUTCHours(),
        minute: start.getUTCMinutes(),
        second: start.getUTCSeconds(),
        comment: `the first run, at the purge start of policy ${options.policy.version}`,
      },
    ],
    ...(options.every ? { intervals: [{ every: durationMs(options.every) }] } : { cronExpressions: [options.cron ?? DEFAULT_PURGE_CRON] }),
    // A time is skipped if it lies before the purge start; the instant itself is inclusive.
    startAt: start,
  };
}

function runSettings(options: PurgeScheduleOptions): PurgeRunSettings {
  const parsed = purgeRunSettingsSchema.safeParse({ ...options.policy.purgeRun, ...options.settings });
  if (!parsed.success)
    throw new InvalidInputError(
      'purge schedule',
      parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message })),
    );
  return parsed.data;
}

/**
 * Creates the purge schedule (fixed id), or updates it to the given policy and settings.
 * Overlap policy skip: a run still going when the next one is due makes that one skip.
 */
export async function upsertPurgeSchedule(client: Client, options: PurgeScheduleOptions): Promise<{ created: boolean; settings: PurgeRunSettings }> {
  const settings = runSettings(options);
  const spec = purgeScheduleSpec(options);
  const scheduleId = options.scheduleId ?? PURGE_SCHEDULE_ID;
  if (options.startedBy.scheduleId !== scheduleId) {
    throw new InvalidInputError('purge schedule', [
      { field: 'startedBy', message: `the start is signed for schedule ${options.startedBy.scheduleId ?? '(none)'}, not ${scheduleId}` },
    ]);
  }
  const args: [PurgeRunInput] = [
    { scheduleId, settings, actionKeys: [...options.actionKeys], startedBy: options.startedBy, ...(options.dossier ? { dossier: options.dossier } : {}) },
  ];
  const action = {
    type: 'startWorkflow' as const,
    workflowType: workflowTypes.purgeRun,
    taskQueue: options.taskQueue,
    workflowId: scheduleId === PURGE_SCHEDULE_ID ? 'purge-run' : `${scheduleId}-run`,
    args,
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      state: { note: `purge runs for policy ${options.policy.version}` },
    });
    return { created: true, settings };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(scheduleId)
      .update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP } }));
    return { created: false, settings };
  }
}

/** The schedule's description, or a message saying how to create it. */
export async function describePurgeSchedule(client: Client): Promise<ScheduleDescription> {
  try {
    return await client.schedule.getHandle(PURGE_SCHEDULE_ID).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new InvalidInputError('purge schedule', [
        { field: 'schedule', message: `there is no purge schedule yet; create it with \`erasure purge schedule create --policy <version>\`` },
      ]);
    }
    throw err;
  }
}
