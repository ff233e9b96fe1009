import type { WorkflowHandle } from '@temporalio/client';

/**
 * A workflow's history as searchable text, payloads decoded: serialised as is, payload
 * bytes come out as base64, where no name would ever be found.
 */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  const text = JSON.stringify(await handle.fetchHistory());
  // Decoded in place, unescaped: the result is for searching, not for parsing.
  return text.replace(/"data":"([A-Za-z0-9+/=]*)"/g, (_match, base64: string) => `"data":${Buffer.from(base64, 'base64').toString('utf8')}`);
}
