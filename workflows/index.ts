// The workflow bundle's entry point: deterministic code only (see eslint.config.mjs).
export { recordLifecycle, statusQuery, retryErasureUpdate } from './record-lifecycle';
export type { RecordLifecycleResult } from './record-lifecycle';
