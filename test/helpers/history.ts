import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { EncryptionCodec } from '../../infra/payload-codec';
import { testPayloadKeys } from './services';

const codec = new EncryptionCodec(testPayloadKeys);

export const isPayload = (value: unknown): value is Payload =>
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

type History = temporal.api.history.v1.IHistory;

/** The values a list of payloads carries, opened with the codec: what the workflow or activity received. */
export async function decodedValues(payloads: Payload[] | null | undefined): Promise<unknown[]> {
  return (await codec.decode(payloads ?? [])).map((p) => defaultPayloadConverter.fromPayload(p));
}

/**
 * A history's events that show what the workflow decided, as short labels in order:
 * `activity:<type>` (scheduled), `update:<name>` (accepted), `signal:<name>`, `timer`,
 * `continued-as-new`, `completed`. Refused updates leave no label: they leave no event.
 */
export function decisions(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    if (e.activityTaskScheduledEventAttributes) return [`activity:${e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'}`];
    if (e.workflowExecutionUpdateAcceptedEventAttributes)
      return [`update:${e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '?'}`];
    if (e.workflowExecutionUpdateAdmittedEventAttributes)
      return [`update-admitted:${e.workflowExecutionUpdateAdmittedEventAttributes.request?.input?.name ?? '?'}`];
    if (e.workflowExecutionSignaledEventAttributes) return [`signal:${e.workflowExecutionSignaledEventAttributes.signalName ?? '?'}`];
    if (e.timerStartedEventAttributes) return ['timer'];
    if (e.workflowExecutionContinuedAsNewEventAttributes) return ['continued-as-new'];
    if (e.workflowExecutionCompletedEventAttributes) return ['completed'];
    return [];
  });
}
