import type { Pool } from 'pg';
import type { IssueCertificateInput, SystemErasure, SystemVerification } from '../schemas/erasure';
import type { ErasureOrder } from '../schemas/erasure-order';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import { failureOf } from './error-boundary';
import type { InquiryDestruction } from './registry/inquiries';
import type { AdapterRegistry, StorageAdapter } from './storage/adapter';
import { issueCertificates } from './registry/certificates';
import { batchLocators, snapshotsOnce } from './registry/records';
import type { SigningKey } from './crypto';

/** What became of one record of a batch: its certificate, or why it must be erased on its own. */
export type BatchOutcome =
  { readonly recordId: string; readonly erased: RecordErasureResult } | { readonly recordId: string; readonly failed: string; readonly retryable: boolean };

export interface RecordErasureResult {
  readonly certificateId: string;
  readonly sequence: number;
  readonly issuedAt: string;
  readonly verifiedAt: string;
  /** Per system: the items removed, counts only. */
  readonly systems: readonly { system: StorageSystem; removed: Readonly<Record<string, number>> }[];
  readonly inquiryClosed: boolean;
}

export interface BatchEraserDeps {
  readonly registry: Pool;
  readonly adapters: AdapterRegistry;
  signingKey(): SigningKey;
  /** After erasure: unlinks the inquiry from the record and, with its last record, destroys it. */
  closeForRecord(input: { recordId: string; inquiryId: string; erasedAt: string }): Promise<InquiryDestruction>;
  /** Who erases, for the certificate: the worker and the activity attempt. */
  performer(fallback: string): { worker: string; activity: string; attempt: number };
}

/** An error as the reason a record keeps: what the error boundary lets through (ids, codes), never a database's quoted values. */
function reasonOf(err: unknown): { reason: string; retryable: boolean } {
  const failure = failureOf(err) as Error & { nonRetryable?: boolean };
  return { reason: failure.message, retryable: failure.nonRetryable !== true };
}

/**
 * Runs `work` over a set of records at once; when it throws, splits the set in halves and
 * runs each half again, until the record that makes it fail is alone. That record fails
 * with the reason; the others go through (docs/ARCHITECTURE.md, "Batched erasure").
 */
export async function isolating<R>(
  ids: readonly string[],
  work: (ids: readonly string[]) => Promise<Map<string, R>>,
  failed: Map<string, { reason: string; retryable: boolean }>,
): Promise<Map<string, R>> {
  if (ids.length === 0) return new Map();
  try {
    return await work(ids);
  } catch (err) {
    if (ids.length === 1) {
      failed.set(ids[0] as string, reasonOf(err));
      return new Map();
    }
    const half = Math.ceil(ids.length / 2);
    const [a, b] = [await isolating(ids.slice(0, half), work, failed), await isolating(ids.slice(half), work, failed)];
    return new Map([...a, ...b]);
  }
}

/** Per record, what the adapter does to its locators: one call for the set when the adapter can, else one per record. */
async function eraseEach(adapter: StorageAdapter, byRecord: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Omit<SystemErasure, 'found'>>> {
  if (adapter.eraseEach) return adapter.eraseEach(byRecord);
  const result = new Map<string, Omit<SystemErasure, 'found'>>();
  for (const [recordId, locators] of byRecord) result.set(recordId, await adapter.erase(locators));
  return result;
}

async function verifyEach(adapter: StorageAdapter, byRecord: ReadonlyMap<string, readonly string[]>): Promise<Map<string, SystemVerification>> {
  if (adapter.verifyEach) return adapter.verifyEach(byRecord);
  const result = new Map<string, SystemVerification>();
  for (const [recordId, locators] of byRecord) result.set(recordId, await adapter.verifyErased(locators));
  return result;
}

async function locateEach(adapter: StorageAdapter, byRecord: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Record<string, number>>> {
  if (adapter.locateEach) return adapter.locateEach(byRecord);
  const result = new Map<string, Record<string, number>>();
  for (const [recordId, locators] of byRecord) result.set(recordId, { ...(await adapter.locate(locators)).present });
  return result;
}

/**
 * Erases a batch of released records: per system one pass over the whole batch (one
 * transaction in a database), then verification per record, the inquiries closed, and
 * one ledger transaction writing the batch's certificates in chain order, each signed
 * over its own body. A record that fails anywhere leaves the batch with its reason and
 * takes no later step; the others carry on. Every step is idempotent, so a retried batch
 * finds the data gone and the certificates written, and answers the same.
 */
export function batchEraser(deps: BatchEraserDeps) {
  const adapterFor = (system: StorageSystem) => {
    const adapter = deps.adapters.get(system);
    if (!adapter) throw new ErasureError('UNSUPPORTED_SYSTEM', `no storage adapter for "${system}" is configured on this worker`);
    return adapter;
  };

  return async function eraseBatch(orders: readonly ErasureOrder[], name = 'eraseBatch'): Promise<BatchOutcome[]> {
    const failed = new Map<string, { reason: string; retryable: boolean }>();
    const alive = () => orders.filter((o) => !failed.has(o.recordId));
    const locators = await batchLocators(
      deps.registry,
      orders.map((o) => o.recordId),
    );
    for (const order of orders) {
      if (!locators.has(order.recordId)) failed.set(order.recordId, { reason: `record ${order.recordId} is not in the registry`, retryable: false });
    }
    const erasures = new Map<string, SystemErasure[]>(orders.map((o) => [o.recordId, []]));
    const verifications = new Map<string, SystemVerification[]>(orders.map((o) => [o.recordId, []]));
    const systems = [...new Set(orders.flatMap((o) => o.systems))];
    const inSystem = (system: StorageSystem, ids: readonly string[]) => new Map(ids.map((id) => [id, locators.get(id)?.get(system) ?? []] as const));

    for (const system of systems) {
      const ids = alive()
        .filter((o) => o.systems.includes(system))
        .map((o) => o.recordId);
      const erased = await isolating(
        ids,
        async (part) => {
          const adapter = adapterFor(system);
          const found = await snapshotsOnce(deps.registry, system, part, (missing) => locateEach(adapter, inSystem(system, missing)));
          const done = await eraseEach(adapter, inSystem(system, part));
          return new Map([...done].map(([id, e]) => [id, { ...e, found: found.get(id) ?? {} }]));
        },
        failed,
      );
      for (const [id, e] of erased) erasures.get(id)?.push(e);
    }
    for (const system of systems) {
      const ids = alive()
        .filter((o) => o.systems.includes(system))
        .map((o) => o.recordId);
      const checked = await isolating(ids, (part) => verifyEach(adapterFor(system), inSystem(system, part)), failed);
      for (const [id, v] of checked) {
        if (v.verified) verifications.get(id)?.push(v);
        else failed.set(id, { reason: `verification found data left after erasure (${system}: ${JSON.stringify(v.remaining)})`, retryable: true });
      }
    }
    const verifiedAt = (id: string) =>
      (verifications.get(id) ?? [])
        .map((v) => v.checkedAt)
        .sort()
        .at(-1) ?? new Date().toISOString();
    const inquiries = new Map<string, InquiryDestruction>();
    for (const order of alive()) {
      if (!order.inquiryId) continue;
      const { inquiryId, recordId } = order;
      const closed = await isolating(
        [recordId],
        async () => new Map([[recordId, await deps.closeForRecord({ recordId, inquiryId, erasedAt: verifiedAt(recordId) })]]),
        failed,
      );
      for (const [id, c] of closed) inquiries.set(id, c);
    }

    const performer = deps.performer(name);
    const inputs = new Map<string, IssueCertificateInput>(
      alive().map((order) => {
        const mine = erasures.get(order.recordId) ?? [];
        return [
          order.recordId,
          {
            recordId: order.recordId,
            workflowId: order.workflowId,
            runId: order.runId,
            erasureStartedAt: order.erasureStartedAt,
            erasures: mine,
            verifications: verifications.get(order.recordId) ?? [],
            ...(inquiries.has(order.recordId) ? { inquiry: inquiries.get(order.recordId) } : {}),
            ...(order.identity ? { identityCheck: order.identity } : {}),
            decisionRefs: order.decisionRefs,
            ...(order.decisions?.length ? { decisions: order.decisions } : {}),
            categories: mine.flatMap((e) =>
              adapterFor(e.system)
                .categories(e.found)
                .map((c) => ({ system: e.system, ...c })),
            ),
            performedBy: {
              ...performer,
              batch: orders.length,
              verification: `verifyErased in ${order.systems.join(', ')} after the erase, in the same attempt`,
            },
          },
        ];
      }),
    );
    const receipts = await isolating(
      [...inputs.keys()],
      (part) =>
        issueCertificates(
          deps.registry,
          deps.signingKey(),
          part.map((id) => inputs.get(id) as IssueCertificateInput),
        ),
      failed,
    );

    return orders.map((order): BatchOutcome => {
      const receipt = receipts.get(order.recordId);
      if (!receipt) {
        const why = failed.get(order.recordId) ?? { reason: 'no certificate was written', retryable: true };
        return { recordId: order.recordId, failed: why.reason, retryable: why.retryable };
      }
      return {
        recordId: order.recordId,
        erased: {
          certificateId: receipt.certificateId,
          sequence: receipt.sequence,
          issuedAt: receipt.issuedAt,
          verifiedAt: verifiedAt(order.recordId),
          systems: (erasures.get(order.recordId) ?? []).map((e) => ({ system: e.system, removed: e.removed })),
          inquiryClosed: inquiries.has(order.recordId),
        },
      };
    });
  };
}
