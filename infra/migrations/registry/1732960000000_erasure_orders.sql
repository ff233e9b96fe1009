-- Up Migration

-- Batched erasure (docs/ARCHITECTURE.md, "Batched erasure"): the batch (release chunk) a
-- record was released in, and the erasure order its lifecycle answered the release with (ids, references and
-- the signed decisions that go into its certificate), kept only until the batch that
-- erases the record has certified it and told the lifecycle.
ALTER TABLE purge_releases ADD COLUMN erasure_batch integer;
ALTER TABLE purge_releases ADD COLUMN erasure_order jsonb;
CREATE INDEX purge_releases_erasure_batch ON purge_releases (run_ref, erasure_batch, record_id) WHERE erasure_order IS NOT NULL;

-- Down Migration
DROP INDEX purge_releases_erasure_batch;
ALTER TABLE purge_releases DROP COLUMN erasure_order;
ALTER TABLE purge_releases DROP COLUMN erasure_batch;
