import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { EncryptionCodec } from '../../infra/payload-codec';
import { isPayload } from './history';
import { testPayloadKeys } from './services';

/** Where test/workflows/replay.test.ts finds the histories it replays. */
export const HISTORIES_DIR = join(__dirname, '..', 'histories');

const codec = new EncryptionCodec(testPayloadKeys);

/** Opens every payload of a proto object in place (the payload key is this test run's, gone after it). */
async function openPayloads(node: unknown): Promise<void> {
  if (isPayload(node)) {
    const [opened] = await codec.decode([node]);
    Object.assign(node, { metadata: opened?.metadata ?? {}, data: opened?.data ?? new Uint8Array() });
    return;
  }
  if (node instanceof Uint8Array || typeof node !== 'object' || node === null) return;
  for (const value of Array.isArray(node) ? node : Object.values(node)) await openPayloads(value);
}

/**
 * With `ERASURE_RECORD_HISTORIES=1`, writes the workflow's history to
 * `test/histories/<name>.json` for the replay test; otherwise does nothing. The form is the
 * one `temporal workflow show -o json` writes and `Worker.runReplayHistory` reads. Payloads
 * are stored opened: they were sealed with this run's random key, which the replay test
 * never has (and the recorded runs use stand-in activities that return ids and counts).
 */
export async function saveHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.ERASURE_RECORD_HISTORIES !== '1') return;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`history name "${name}": lower-case letters, digits and - only (it becomes a file name)`);
  const history = await handle.fetchHistory();
  await openPayloads(history);
  const file = join(HISTORIES_DIR, `${name}.json`);
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(file, `${historyToJSON(history)}\n`);
  // The file reads back as the same events: the replay test will not trip over its form.
  const back = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const types = (h: typeof history) => (h.events ?? []).map((e) => e.eventType);
  if (JSON.stringify(types(back)) !== JSON.stringify(types(history))) throw new Error(`${file} does not read back as the history that was written`);
}
