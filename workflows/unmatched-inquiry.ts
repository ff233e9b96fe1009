import { proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from '../activities';

type Activities = ReturnType<typeof activities.createActivities>;

const desk = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * An inquiry that matched no record (or only records already being erased): the requester is told no data was found, and the
 * inquiry itself (contact data, mail reference) is destroyed once the cutoff has passed,
 * as every inquiry is (DESIGN.md, step 4).
 */
export async function unmatchedInquiry(input: { inquiryId: string; inquiryCutoff: string; beingDestroyed?: boolean }): Promise<{ destroyed: string[] }> {
  await desk.sendNoDataFound({ inquiryId: input.inquiryId, beingDestroyed: input.beingDestroyed ?? false });
  const wait = Date.parse(input.inquiryCutoff) - Date.now();
  if (wait > 0) await sleep(wait, { summary: 'inquiry cutoff' });
  const { destroyed } = await desk.destroyUnmatchedInquiry({ inquiryId: input.inquiryId });
  return { destroyed };
}
