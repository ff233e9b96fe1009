import type { Client } from '@temporalio/client';
import { decodedText } from './history';

export interface PersonalDataSearch {
  /** `<type> <workflowId>, <part>: <kind> "<value>" in …context…` per finding. */
  readonly hits: string[];
  readonly types: Map<string, number>;
  readonly payloadsRead: number;
  /** Controls that the search finds what is there: lifecycles whose own record id is in their decoded input, and any clear record id as stored. */
  readonly controls: { decoded: number; clearAsStored: number };
}

/**
 * Reads every history, description, memo and search attribute of the workflows started
 * since `since`, as stored and decoded, and searches them for each needle (case-insensitive).
 */
export async function searchTemporalFor(
  client: Client,
  since: Date,
  needles: readonly (readonly [kind: string, value: string])[],
): Promise<PersonalDataSearch> {
  const hits: string[] = [];
  const types = new Map<string, number>();
  let payloadsRead = 0;
  const controls = { decoded: 0, clearAsStored: 0 };
  for await (const info of client.workflow.list({ query: `StartTime >= '${since.toISOString()}'` })) {
    types.set(info.type, (types.get(info.type) ?? 0) + 1);
    const handle = client.workflow.getHandle(info.workflowId, info.runId);
    const history = await handle.fetchHistory();
    const description = await handle.describe();
    const where = `${info.type} ${info.workflowId}`;
    const texts = {
      // What the server stores, bytes as they are (encrypted payloads stay sealed here).
      'history (as stored)': await decodedText(history, { encode: (p) => Promise.resolve(p), decode: (p) => Promise.resolve(p) }),
      // What anyone with the payload key would read.
      'history (decoded)': await decodedText(history),
      'memo and search attributes': await decodedText(description.raw.workflowExecutionInfo),
    };
    payloadsRead += (texts['history (decoded)'].match(/\{encoding=/g) ?? []).length;
    const recordId = info.workflowId.replace(/^record-/, '');
    if (info.type === 'recordLifecycle' && texts['history (decoded)'].includes(`"recordId":"${recordId}"`)) controls.decoded += 1;
    if (texts['history (as stored)'].includes(`"recordId":"`)) controls.clearAsStored += 1;
    for (const [part, text] of Object.entries(texts)) {
      for (const [kind, value] of needles) {
        const at = text.toLowerCase().indexOf(value.toLowerCase());
        if (at >= 0) hits.push(`${where}, ${part}: ${kind} "${value}" in …${text.slice(Math.max(0, at - 80), at + value.length + 20)}…`);
      }
    }
  }
  return { hits, types, payloadsRead, controls };
}
