import { TypedSearchAttributes } from '@temporalio/common';
import type { StorageSystem } from './inventory';
import { recordWorkflowId, type RecordLifecycleInput } from './lifecycle';
import type { Policy } from './policy';
import { searchAttributes } from './search-attributes';

/**
 * How a record's lifecycle is started, by `erasure start` or by a purge run that finds it
 * missing (signal-with-start): the same id, input, search attributes and reuse policy.
 */
export function recordStartOptions(
  record: { recordId: string; dossier: string; systems: StorageSystem[] },
  policy: Policy,
  taskQueue: string,
  /** The erasure service's public keys (`actionPublicKeys(config)`): the lifecycle believes only actions they signed. */
  actionKeys: readonly string[],
) {
  const args: [RecordLifecycleInput] = [{ recordId: record.recordId, dossier: record.dossier, systems: record.systems, policy, actionKeys: [...actionKeys] }];
  // The phase the lifecycle enters in its first task, so that it has nothing to publish then.
  const phase = Date.now() >= Date.parse(policy.inquiryCutoff) ? 'due' : 'awaiting-cutoff';
  return {
    workflowId: recordWorkflowId(record.recordId),
    taskQueue,
    args,
    // A record erased once is never started again; a lifecycle that failed or was
    // terminated may be: its deadlines are absolute and its erasure is idempotent.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
    typedSearchAttributes: new TypedSearchAttributes([
      { key: searchAttributes.Dossier, value: record.dossier },
      { key: searchAttributes.PolicyVersion, value: policy.version },
      { key: searchAttributes.LifecyclePhase, value: phase },
      { key: searchAttributes.InquiryOpen, value: false },
      { key: searchAttributes.OnHold, value: false },
      { key: searchAttributes.ResponseOverdue, value: false },
    ]),
    staticSummary: `record ${record.recordId} · dossier ${record.dossier}`,
  };
}
