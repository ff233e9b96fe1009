import type { WorkflowHandle } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { EncryptionCodec } from '../../infra/payload-codec';
import { testPayloadKeys } from './services';

const codec = new EncryptionCodec(testPayloadKeys);

const isPayload = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && 'metadata' in value && 'data' in value && (value as { data: unknown }).data instanceof Uint8Array;

/**
 * Any proto object (a history, a description, a memo) as searchable text, every payload
 * in it decoded with the codec — encrypted ones opened, failures' encoded attributes
 * included — and its bytes written out as UTF-8: what a reader with the keys would see.
 */
export async function decodedText(value: unknown, payloadCodec: PayloadCodec = codec): Promise<string> {
  const parts: string[] = [];
  const walk = async (node: unknown, key: string): Promise<void> => {
    if (isPayload(node)) {
      const [decoded] = await payloadCodec.decode([node]);
      const metadata = Object.entries(decoded?.metadata ?? {}).map(([k, v]) => `${k}=${Buffer.from(v ?? []).toString('utf8')}`);
      parts.push(`${key}: {${metadata.join(', ')}} ${Buffer.from(decoded?.data ?? []).toString('utf8')}`);
      return;
    }
    if (node instanceof Uint8Array) {
      parts.push(`${key}: ${Buffer.from(node).toString('utf8')}`);
      return;
    }
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) await walk(item, `${key}[${i}]`);
      return;
    }
    if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) await walk(v, key ? `${key}.${k}` : k);
      return;
    }
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint') parts.push(`${key}: ${String(node)}`);
  };
  await walk(value, '');
  return parts.join('\n');
}

/** A workflow's history as searchable text, payloads decoded (see decodedText). */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  return decodedText(await handle.fetchHistory());
}
