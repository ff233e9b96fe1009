import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes, registered by infra when it starts a dev server. Values are
 * ids, phases, flags and times only (docs/ARCHITECTURE.md, invariant 1).
 */
export const searchAttributes = {
  Dossier: defineSearchAttributeKey('Dossier', 'KEYWORD'),
  LifecyclePhase: defineSearchAttributeKey('LifecyclePhase', 'KEYWORD'),
  InquiryOpen: defineSearchAttributeKey('InquiryOpen', 'BOOL'),
  OnHold: defineSearchAttributeKey('OnHold', 'BOOL'),
  ErasedAt: defineSearchAttributeKey('ErasedAt', 'DATETIME'),
  PolicyVersion: defineSearchAttributeKey('PolicyVersion', 'KEYWORD'),
  /** The GDPR art. 12(3) response deadline passed without an explanation. */
  ResponseOverdue: defineSearchAttributeKey('ResponseOverdue', 'BOOL'),
} as const;

/** The `--search-attribute NAME=Type` pairs for `temporal server start-dev`. */
export const searchAttributeCliTypes: Record<keyof typeof searchAttributes, string> = {
  Dossier: 'Keyword',
  LifecyclePhase: 'Keyword',
  InquiryOpen: 'Bool',
  OnHold: 'Bool',
  ErasedAt: 'Datetime',
  PolicyVersion: 'Keyword',
  ResponseOverdue: 'Bool',
};
