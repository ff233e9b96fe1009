-- Up Migration

-- One row per purge run (scheduled, manual or dry): its settings and, when it ends, its
-- report (counts and reasons only).
CREATE TABLE purge_runs (
  run_ref     text PRIMARY KEY,
  dry_run     boolean NOT NULL,
  scheduled   boolean NOT NULL DEFAULT false,
  settings    jsonb NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  report      jsonb
);
CREATE INDEX purge_runs_by_start ON purge_runs (started_at DESC);

-- Which run released which record, and how (update, or a lifecycle restarted with
-- signal-with-start): the run counts what it released as erased, failed or pending.
CREATE TABLE purge_releases (
  run_ref     text NOT NULL REFERENCES purge_runs (run_ref),
  record_id   text NOT NULL REFERENCES records (record_id),
  how         text NOT NULL CHECK (how IN ('released', 'restarted')),
  released_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_ref, record_id)
);

-- An erasure that failed after its retries (the record is in erasure-failed): the reason
-- holds ids, system names and error codes only.
CREATE TABLE erasure_failures (
  id        bigserial PRIMARY KEY,
  record_id text NOT NULL REFERENCES records (record_id),
  reason    text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erasure_failures_by_record ON erasure_failures (record_id, failed_at);

-- The purge run's cursor walks the records not yet erased, in id order.
CREATE INDEX records_not_erased ON records (record_id) WHERE erased_at IS NULL;
CREATE INDEX certificates_by_day ON certificates (issued_at);

-- Down Migration
DROP INDEX certificates_by_day;
DROP INDEX records_not_erased;
DROP TABLE erasure_failures;
DROP TABLE purge_releases;
DROP TABLE purge_runs;
