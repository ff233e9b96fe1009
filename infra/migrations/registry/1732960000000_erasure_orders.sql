-- Up Migration

-- Batched erasure (docs/ARCHITECTURE.md, "Batched erasure"): the wave a record was released
-- in, and the erasure order its lifecycle answered the release with (ids, references and
-- the signed decisions that go into its certificate), kept only until the batch that
-- erases the record has certified it and told the lifecycle.
ALTER TABLE purge_releases ADD COLUMN wave integer;
ALTER TABLE purge_releases ADD COLUMN erasure_order jsonb;
CREATE INDEX purge_releases_wave ON purge_releases (run_ref, wave, record_id) WHERE wave IS NOT NULL;

-- Down Migration
DROP INDEX purge_releases_wave;
ALTER TABLE purge_releases DROP COLUMN erasure_order;
ALTER TABLE purge_releases DROP COLUMN wave;
