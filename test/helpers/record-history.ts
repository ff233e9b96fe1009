import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * Writes a workflow's history to `test/histories/<name>.json` (the form `temporal workflow
 * show -o json` writes, which the replay test reads), when ERASURE_RECORD_HISTORIES=1:
 * `npm run histories` records them all again after a workflow change.
 */
export async function saveHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.ERASURE_RECORD_HISTORIES !== '1') return;
  await writeFile(join(__dirname, '..', 'histories', `${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
}
