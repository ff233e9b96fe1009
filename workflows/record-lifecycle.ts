import {
  ApplicationFailure,
  condition,
  defineQuery,
  isCancellation,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { SystemErasure, SystemVerification } from '../schemas/erasure';
import type { StorageSystem } from '../schemas/inventory';
import {
  recordLifecycleInputSchema,
  type LifecycleEvent,
  type LifecyclePhase,
  type RecordLifecycleInput,
  type RecordStatus,
} from '../schemas/lifecycle';
import { searchAttributes } from '../schemas/search-attributes';

export interface RecordLifecycleResult {
  readonly recordId: string;
  readonly certificateId: string;
  readonly erasedAt: string;
}

export const statusQuery = defineQuery<RecordStatus>('status');
export const retryErasureUpdate = defineUpdate<RecordStatus, [{ reason: string }]>('retryErasure');

type Activities = ReturnType<typeof activities.createActivities>;

// Erasure touches source systems that may be briefly unavailable: retry with backoff,
// then stop in `erasure-failed` where a coordinator can see it and retry.
const storage = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});

// The certificate write is idempotent and the erasure has already happened: keep
// trying until it is written, so that no erased record is ever left without proof.
const ledger = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * One personal-data record from registration to its deletion certificate. Deadlines are
 * durable timers derived from the policy; the workflow sees ids and metadata only.
 */
export async function recordLifecycle(rawInput: RecordLifecycleInput): Promise<RecordLifecycleResult> {
  const parsed = recordLifecycleInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`recordLifecycle input refused: ${parsed.error.message}`, 'INVALID_INPUT');
  }
  const input = parsed.data;
  const { policy } = input;
  let phase: LifecyclePhase = 'registered';
  const history: LifecycleEvent[] = [];
  let certificateId: string | undefined;
  let erasedAt: string | undefined;
  let lastError: string | undefined;
  let retryRequested = false;

  const status = (): RecordStatus => ({
    recordId: input.recordId,
    dossier: input.dossier,
    phase,
    policyVersion: policy.version,
    deadlines: { inquiryCutoff: policy.inquiryCutoff, purgeStart: policy.purgeStart },
    history,
    ...(certificateId ? { certificateId } : {}),
    ...(erasedAt ? { erasedAt } : {}),
    ...(lastError ? { lastError } : {}),
  });

  setHandler(statusQuery, status);
  setHandler(
    retryErasureUpdate,
    ({ reason }) => {
      retryRequested = true;
      history.push({ at: new Date().toISOString(), phase, note: `retry requested: ${reason}` });
      return status();
    },
    {
      validator: ({ reason }: { reason: string }) => {
        if (phase !== 'erasure-failed') {
          throw new Error(`record ${input.recordId} is in phase ${phase}; only a record in erasure-failed can be retried`);
        }
        if (!reason?.trim()) throw new Error('give a reason for the retry (it is kept in the record history)');
      },
    },
  );

  const enter = (next: LifecyclePhase, note: string) => {
    phase = next;
    history.push({ at: new Date().toISOString(), phase: next, note });
    upsertSearchAttributes([{ key: searchAttributes.LifecyclePhase, value: next }]);
  };

  const sleepUntil = async (instant: string, summary: string) => {
    const remaining = Date.parse(instant) - Date.now();
    if (remaining > 0) await sleep(remaining, { summary });
  };

  enter('awaiting-cutoff', `waiting for the inquiry cutoff ${policy.inquiryCutoff}`);
  await sleepUntil(policy.inquiryCutoff, 'inquiry cutoff');
  enter('due', `inquiry cutoff passed; destruction may start from ${policy.purgeStart}`);
  await sleepUntil(policy.purgeStart, 'purge start');

  for (;;) {
    const outcome = await eraseAndVerify(input.recordId, input.systems, enter);
    if (outcome.ok) {
      enter('certifying', 'every system verified empty; writing the deletion certificate');
      const info = workflowInfo();
      const receipt = await ledger.issueCertificate({
        recordId: input.recordId,
        workflowId: info.workflowId,
        runId: info.runId,
        erasureStartedAt: outcome.startedAt,
        erasures: outcome.erasures,
        verifications: outcome.verifications,
      });
      certificateId = receipt.certificateId;
      erasedAt = receipt.issuedAt;
      lastError = undefined;
      upsertSearchAttributes([{ key: searchAttributes.ErasedAt, value: new Date(receipt.issuedAt) }]);
      enter('erased', `certificate ${receipt.certificateId} (ledger entry ${receipt.sequence})`);
      return { recordId: input.recordId, certificateId: receipt.certificateId, erasedAt: receipt.issuedAt };
    }
    lastError = outcome.error;
    enter('erasure-failed', outcome.error);
    retryRequested = false;
    await condition(() => retryRequested);
  }
}

type Outcome =
  | { ok: true; startedAt: string; erasures: SystemErasure[]; verifications: SystemVerification[] }
  | { ok: false; error: string };

async function eraseAndVerify(
  recordId: string,
  systems: readonly StorageSystem[],
  enter: (phase: LifecyclePhase, note: string) => void,
): Promise<Outcome> {
  const startedAt = new Date().toISOString();
  try {
    enter('erasing', `erasing in ${systems.join(', ')}`);
    const erasures: SystemErasure[] = [];
    for (const system of systems) erasures.push(await storage.eraseInSystem({ recordId, system }));
    enter('verifying', 'checking that nothing is left');
    const verifications: SystemVerification[] = [];
    for (const system of systems) verifications.push(await storage.verifyErasedInSystem({ recordId, system }));
    const left = verifications.filter((v) => !v.verified);
    if (left.length) {
      const detail = left.map((v) => `${v.system}: ${JSON.stringify(v.remaining)}`).join('; ');
      return { ok: false, error: `verification found data left after erasure (${detail})` };
    }
    return { ok: true, startedAt, erasures, verifications };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error).message;
    return { ok: false, error: `erasure failed after retries: ${cause}` };
  }
}
