-- Up Migration

-- Policies are versioned and immutable: a record keeps the version that set its deadlines.
CREATE TABLE policies (
  version     text PRIMARY KEY,
  body        jsonb NOT NULL,
  body_sha256 text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_batches (
  id                bigserial PRIMARY KEY,
  source_name       text NOT NULL,
  source_sha256     text NOT NULL,
  policy_version    text NOT NULL REFERENCES policies (version),
  records_added     integer NOT NULL,
  records_unchanged integer NOT NULL,
  imported_at       timestamptz NOT NULL DEFAULT now()
);

-- Ids and references only: the personal data itself stays in the systems of record.
CREATE TABLE records (
  record_id            text PRIMARY KEY,
  dossier              text NOT NULL,
  subject_ref          text NOT NULL,
  policy_version       text NOT NULL REFERENCES policies (version),
  import_batch         bigint NOT NULL REFERENCES import_batches (id),
  imported_at          timestamptz NOT NULL DEFAULT now(),
  lifecycle_started_at timestamptz,
  erased_at            timestamptz
);
CREATE INDEX records_by_dossier ON records (dossier, record_id);

CREATE TABLE record_locations (
  record_id text NOT NULL REFERENCES records (record_id),
  system    text NOT NULL CHECK (system IN ('case-admin', 'documents', 'mailbox', 'backups')),
  locator   text NOT NULL,
  PRIMARY KEY (record_id, system, locator)
);

-- The certificate ledger: one row per erased record (unique record_id is what makes a
-- retried or replayed certification write nothing new), each row chained to the previous
-- by hash.
CREATE TABLE certificates (
  sequence       bigserial PRIMARY KEY,
  certificate_id uuid NOT NULL UNIQUE,
  record_id      text NOT NULL UNIQUE REFERENCES records (record_id),
  body           jsonb NOT NULL,
  body_sha256    text NOT NULL,
  prev_sha256    text,
  issued_at      timestamptz NOT NULL
);

CREATE FUNCTION certificates_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the certificate ledger is append-only: % is refused', TG_OP;
END;
$$;
CREATE TRIGGER certificates_append_only
  BEFORE UPDATE OR DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION certificates_append_only();

-- Every look at personal data by a person (screened consultation) is logged here.
CREATE TABLE access_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  record_id text NOT NULL,
  action    text NOT NULL,
  purpose   text NOT NULL
);
CREATE INDEX access_log_by_record ON access_log (record_id, at);

-- Down Migration
DROP TABLE access_log;
DROP TRIGGER certificates_append_only ON certificates;
DROP TABLE certificates;
DROP FUNCTION certificates_append_only();
DROP TABLE record_locations;
DROP TABLE records;
DROP TABLE import_batches;
DROP TABLE policies;
