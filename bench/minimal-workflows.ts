// The orchestration floor's workflow: start → one no-op activity → complete.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(id: string): Promise<string> }>({ startToCloseTimeout: '1 minute' });

export async function minimalWorkflow(id: string): Promise<string> {
  return noop(id);
}
