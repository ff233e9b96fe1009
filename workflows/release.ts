import { defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import { RELEASABLE_QUERY, RELEASE_SIGNAL, RELEASE_UPDATE, releaseRequestSchema, skipMessage, type Releasability, type ReleaseRequest } from '../schemas/purge';
import type { LifecycleState } from './lifecycle-state';
import { refusalText } from '../schemas/zod-problems';

export interface ReleaseAnswer {
  readonly recordId: string;
  readonly releasedBy: string;
}

/** A purge run releases a due record with this update; the validator refuses, with a counted reason, what is not releasable. */
export const releaseUpdate = defineUpdate<ReleaseAnswer, [ReleaseRequest]>(RELEASE_UPDATE);
/** The same release for a lifecycle restarted by signal-with-start (judged once the lifecycle has caught up with time). */
export const releaseSignal = defineSignal<[ReleaseRequest]>(RELEASE_SIGNAL);
/** What a dry run asks: would a release be accepted now, and if not, why. */
export const releasableQuery = defineQuery<Releasability>(RELEASABLE_QUERY);

function parse(raw: unknown): ReleaseRequest {
  const parsed = releaseRequestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`release refused: ${refusalText(parsed.error, '(request)')}`);
  return parsed.data;
}

/** Release handlers of a record lifecycle. The main loop does the erasing; these only mark the record released. */
export function registerReleaseHandlers(state: LifecycleState): void {
  setHandler(releasableQuery, () => state.releasability(new Date(), ''));
  setHandler(
    releaseUpdate,
    (raw) => {
      const request = parse(raw);
      if (state.released !== request.runRef) {
        state.advance(new Date());
        state.released = request.runRef;
        state.note('system', `released for erasure by purge run ${request.runRef}`);
      }
      return { recordId: state.input.recordId, releasedBy: request.runRef };
    },
    {
      validator: (raw) => {
        const request = parse(raw);
        const answer = state.releasability(new Date(), request.runRef);
        if (!answer.releasable) throw new Error(skipMessage(answer.reason ?? 'already-released', answer.detail ?? state.describePhase()));
      },
    },
  );
  setHandler(releaseSignal, (raw) => {
    const parsed = releaseRequestSchema.safeParse(raw);
    if (!parsed.success) return; // a malformed signal changes nothing
    state.releaseRequested = parsed.data.runRef;
    state.version += 1;
  });
}

/** Judges a release that came as a signal, after `advance`: accepted, or noted and dropped. */
export function judgeSignalledRelease(state: LifecycleState): void {
  const runRef = state.releaseRequested;
  if (runRef === undefined) return;
  state.releaseRequested = undefined;
  const answer = state.releasability(new Date(), runRef);
  if (answer.releasable) {
    state.released = runRef;
    state.note('system', `released for erasure by purge run ${runRef} (lifecycle restarted by the run)`);
  } else {
    state.note('system', `release by purge run ${runRef} not taken: ${answer.detail ?? answer.reason ?? ''}`);
  }
}
