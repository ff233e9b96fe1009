import { proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from '../activities';

type Activities = ReturnType<typeof activities.createActivities>;

const desk = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * An inquiry that matched no record: the requester is told no data was found, and the
 * inquiry itself (contact data, mail reference) is destroyed once the cutoff has passed
 * (until then a late-imported record could still match it).
 */
export async function unmatchedInquiry(input: { inquiryId: string; inquiryCutoff: string }): Promise<{ destroyed: string[] }> {
  await desk.sendNoDataFound({ inquiryId: input.inquiryId });
  const wait = Date.parse(input.inquiryCutoff) - Date.now();
  if (wait > 0) await sleep(wait, { summary: 'inquiry cutoff' });
  const { destroyed } = await desk.destroyInquiryData({ inquiryId: input.inquiryId });
  return { destroyed };
}
