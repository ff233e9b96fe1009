-- Up Migration

-- Data that came back after a certified erasure (a restored backup, a re-import): found
-- by reconciliation, erased again, and kept on record here (counts only, no content).
CREATE TABLE resurrections (
  id          bigserial PRIMARY KEY,
  record_id   text NOT NULL REFERENCES records (record_id),
  system      text NOT NULL,
  found       jsonb NOT NULL,
  removed     jsonb NOT NULL,
  verified    boolean NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  run_ref     text NOT NULL
);
CREATE INDEX resurrections_by_record ON resurrections (record_id, detected_at);

ALTER TABLE records ADD COLUMN resurrected_at timestamptz;

-- Down Migration
ALTER TABLE records DROP COLUMN resurrected_at;
DROP TABLE resurrections;
