import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { LifecyclePhase } from '../schemas/lifecycle';
import { searchAttributes } from '../schemas/search-attributes';
import type { Flags } from './record/machine';

interface Published {
  phase?: LifecyclePhase;
  inquiryOpen?: boolean;
  onHold?: boolean;
  responseOverdue?: boolean;
  erasedAt?: number;
}

/**
 * Collects search-attribute changes and upserts only what differs from what is already
 * published, once, before the workflow waits: a phase passed through within one workflow
 * task costs no history event.
 */
export class SearchAttributePublisher {
  private published: Published;
  private wanted: Published;

  constructor() {
    const current = workflowInfo().typedSearchAttributes;
    const phase = current.get(searchAttributes.LifecyclePhase) as LifecyclePhase | undefined;
    this.published = {
      ...(phase !== undefined ? { phase } : {}),
      ...optional('inquiryOpen', current.get(searchAttributes.InquiryOpen)),
      ...optional('onHold', current.get(searchAttributes.OnHold)),
      ...optional('responseOverdue', current.get(searchAttributes.ResponseOverdue)),
    };
    this.wanted = { ...this.published };
  }

  set(phase: LifecyclePhase, flags: Flags, erasedAt?: Date): void {
    this.wanted = {
      phase,
      inquiryOpen: flags.inquiryOpen,
      onHold: flags.onHold,
      responseOverdue: flags.responseOverdue,
      ...(erasedAt ? { erasedAt: erasedAt.getTime() } : { erasedAt: this.wanted.erasedAt }),
    };
  }

  flush(): void {
    const w = this.wanted;
    const p = this.published;
    const changes: SearchAttributeUpdatePair[] = [];
    if (w.phase !== undefined && w.phase !== p.phase) changes.push({ key: searchAttributes.LifecyclePhase, value: w.phase });
    if (w.inquiryOpen !== undefined && w.inquiryOpen !== p.inquiryOpen) changes.push({ key: searchAttributes.InquiryOpen, value: w.inquiryOpen });
    if (w.onHold !== undefined && w.onHold !== p.onHold) changes.push({ key: searchAttributes.OnHold, value: w.onHold });
    if (w.responseOverdue !== undefined && w.responseOverdue !== p.responseOverdue)
      changes.push({ key: searchAttributes.ResponseOverdue, value: w.responseOverdue });
    if (w.erasedAt !== undefined && w.erasedAt !== p.erasedAt) changes.push({ key: searchAttributes.ErasedAt, value: new Date(w.erasedAt) });
    if (changes.length === 0) return;
    upsertSearchAttributes(changes);
    this.published = { ...w };
  }
}

function optional<K extends keyof Published>(key: K, value: unknown): Partial<Published> {
  return value === undefined ? {} : { [key]: value };
}
