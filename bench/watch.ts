import type { Client } from '@temporalio/client';

/** What a benchmark phase reports while it runs: how far it is, and why it cannot go on (if it cannot). */
export interface PhaseWatch {
  readonly name: string;
  readonly total: number;
  /** Items done so far (a registry count, resolved promises, ...). */
  done(): Promise<number> | number;
  /** Asked when the count has not moved for a while: a reason the phase cannot finish (a failing workflow task, a dead worker). */
  failure?(): Promise<string | undefined>;
}

export interface WatchTimes {
  /** How often progress is printed. */
  readonly everyMs: number;
  /** No progress for this long ends the benchmark. */
  readonly stallMs: number;
}

const DEFAULT_TIMES: WatchTimes = { everyMs: 5_000, stallMs: 60_000 };

/** The benchmark could not go on: the phase, how far it got and why. */
export class BenchStopped extends Error {}

/**
 * Runs `work` and prints its phase's progress every few seconds; ends it with the reason
 * when a failure probe finds one or when nothing moves for a minute. Resolves with the
 * work's result and its time in seconds.
 */
export async function watched<T>(phase: PhaseWatch, work: Promise<T>, times: WatchTimes = DEFAULT_TIMES): Promise<{ result: T; seconds: number }> {
  const started = Date.now();
  let last = -1;
  let movedAt = started;
  let timer: NodeJS.Timeout | undefined;
  let stop: ((err: Error) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  const tick = async () => {
    const done = await phase.done();
    const now = Date.now();
    if (done !== last) {
      last = done;
      movedAt = now;
    }
    const elapsed = (now - started) / 1000;
    console.log(`    ${phase.name}: ${done}/${phase.total} after ${elapsed.toFixed(0)} s (${(done / Math.max(elapsed, 0.001)).toFixed(0)}/s)`);
    const still = now - movedAt;
    if (still < times.everyMs * 2) return;
    const reason = await phase.failure?.();
    if (reason) throw new BenchStopped(`${phase.name} stopped at ${done}/${phase.total}: ${reason}`);
    if (still >= times.stallMs)
      throw new BenchStopped(`${phase.name} made no progress for ${Math.round(still / 1000)} s at ${done}/${phase.total}; no failing workflow task was found`);
  };
  const loop = () => {
    timer = setTimeout(() => {
      tick().then(loop, (err: unknown) => stop?.(err as Error));
    }, times.everyMs);
  };
  loop();
  try {
    const result = await Promise.race([work, stopped]);
    return { result, seconds: (Date.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

/** The last failed workflow task of a workflow, in its own words (the benchmark's workflows carry synthetic ids only). */
export async function workflowTaskFailure(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).at(-1);
    const message = failed?.workflowTaskFailedEventAttributes?.failure?.message;
    return failed ? `workflow ${workflowId}: its workflow task fails: ${message ?? 'no message'}` : undefined;
  } catch (err) {
    return `workflow ${workflowId} cannot be read: ${(err as Error).message}`;
  }
}
