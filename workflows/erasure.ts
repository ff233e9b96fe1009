import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { SystemErasure, SystemVerification } from '../schemas/erasure';
import type { StorageSystem } from '../schemas/inventory';
import type { LifecyclePhase } from '../schemas/lifecycle';

type Activities = ReturnType<typeof activities.createActivities>;

// Erasure touches source systems that may be briefly unavailable: retry with backoff,
// then stop in `erasure-failed` where a coordinator can see it and retry.
const storage = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});

export type ErasureOutcome =
  | { ok: true; startedAt: string; erasures: SystemErasure[]; verifications: SystemVerification[] }
  | { ok: false; error: string };

/** Erases the record in every system, then checks each; failures become data, not exceptions. */
export async function eraseAndVerify(
  recordId: string,
  systems: readonly StorageSystem[],
  enter: (phase: LifecyclePhase, note: string) => void,
): Promise<ErasureOutcome> {
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

export type RecordErasureOutcome = { ok: true; result: activities.RecordErasureResult } | { ok: false; error: string };

/**
 * The common path since the purge run: erase in every system, verify, close the inquiry
 * and write the certificate in one idempotent activity on the rate-limited storage queue
 * (one activity instead of 2n+2 keeps a record's history short). Failures become data.
 */
export async function eraseVerifyCertify(
  input: Parameters<Activities['eraseRecord']>[0],
  storageQueue: string,
): Promise<RecordErasureOutcome> {
  const erasing = proxyActivities<Activities>({
    taskQueue: storageQueue,
    // A record's erasure takes well under a second; a worker that died holding one is
    // noticed after a minute, not five. Ten attempts (about four minutes of backoff) ride
    // out a source system that refuses connections for a while.
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  try {
    return { ok: true, result: await erasing.eraseRecord(input) };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error).message;
    return { ok: false, error: `erasure failed after retries: ${cause}` };
  }
}
