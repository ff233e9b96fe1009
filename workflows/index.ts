// The workflow bundle's entry point: deterministic code only (see eslint.config.mjs).
export { recordLifecycle, statusQuery, actionUpdates } from './record-lifecycle';
export type { RecordLifecycleResult } from './record-lifecycle';
export { inquiryReview, inquiryStatusQuery, decideCandidateUpdate, confirmNoMatchUpdate, registryChangedSignal } from './inquiry-review';
export type { InquiryReviewResult } from './inquiry-review';
export { purgeRun, purgeProgressQuery, approveWaveUpdate } from './purge-run';
export { releaseUpdate, releaseSignal, releasableQuery } from './release';
