// The workflow bundle's entry point: deterministic code only (see eslint.config.mjs).
export { recordLifecycle, statusQuery, actionUpdates } from './record-lifecycle';
export type { RecordLifecycleResult } from './record-lifecycle';
export { unmatchedInquiry } from './unmatched-inquiry';
export { purgeRun, purgeProgressQuery, approveWaveUpdate } from './purge-run';
export { releaseUpdate, releaseSignal, releasableQuery } from './release';
