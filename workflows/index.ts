// The workflow bundle's entry point: deterministic code only (see eslint.config.mjs).
// Clients import the definitions (names of updates, queries, signals, queues) from here too.
export { recordLifecycle } from './record-lifecycle';
export type { RecordLifecycleResult } from './record-lifecycle';
export { inquiryReview } from './inquiry-review';
export type { InquiryReviewResult } from './inquiry-review';
export { purgeRun } from './purge-run';
export * from './definitions';
