-- Up Migration

-- Backups encrypt each person's rows with a key of their own. The keys live here, and this
-- table is never part of a backup: erasing a record deletes its key (crypto-shredding),
-- so every backup made before stays restorable, but that person's rows in it do not.
CREATE TABLE backup_keys (
  unit       text PRIMARY KEY,
  key        bytea NOT NULL CHECK (octet_length(key) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The backups made by `erasure backup create`, and which units each holds (ids only).
CREATE TABLE backups (
  backup_id  text PRIMARY KEY,
  file_name  text NOT NULL,
  sha256     text NOT NULL,
  units      integer NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE backup_units (
  backup_id text NOT NULL REFERENCES backups (backup_id),
  unit      text NOT NULL,
  PRIMARY KEY (unit, backup_id)
);

-- The suppression list: keyed hashes (subject HMAC) of everyone whose data was erased.
-- Every import and every restore checks it, so an erased person is never brought back
-- silently. Append-only, like the ledger it is filled from.
CREATE TABLE suppressed_subjects (
  subject_hmac   text PRIMARY KEY,
  certificate_id uuid NOT NULL,
  suppressed_at  timestamptz NOT NULL
);
INSERT INTO suppressed_subjects (subject_hmac, certificate_id, suppressed_at)
SELECT DISTINCT ON (r.subject_hmac) r.subject_hmac, c.certificate_id, c.issued_at
  FROM certificates c JOIN records r USING (record_id)
 WHERE r.subject_hmac IS NOT NULL
 ORDER BY r.subject_hmac, c.sequence;

CREATE FUNCTION suppressed_subjects_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the suppression list is append-only: % is refused', TG_OP;
END;
$$;
CREATE TRIGGER suppressed_subjects_append_only
  BEFORE UPDATE OR DELETE ON suppressed_subjects
  FOR EACH ROW EXECUTE FUNCTION suppressed_subjects_append_only();

-- Down Migration
DROP TRIGGER suppressed_subjects_append_only ON suppressed_subjects;
DROP FUNCTION suppressed_subjects_append_only();
DROP TABLE suppressed_subjects;
DROP TABLE backup_units;
DROP TABLE backups;
DROP TABLE backup_keys;
