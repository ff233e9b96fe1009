-- Up Migration

-- The keyed hash (HMAC) of a record's normalised subject identifiers (name, place of
-- residence): inquiries are matched on it, so matching never needs a name in clear.
ALTER TABLE records ADD COLUMN subject_hmac text;
CREATE INDEX records_by_subject_hmac ON records (subject_hmac);

-- An inquiry lives here, not in Temporal. The requester's contact data is encrypted at
-- rest (AES-256-GCM, key id kept beside it); the original e-mail is only referenced.
CREATE TABLE inquiries (
  inquiry_id        uuid PRIMARY KEY,
  received_at       timestamptz NOT NULL,
  policy_version    text NOT NULL REFERENCES policies (version),
  subject_hmac      text NOT NULL,
  language          text NOT NULL CHECK (language IN ('nl', 'en')),
  contact_key_id    text NOT NULL,
  contact_encrypted text NOT NULL,
  mail_ref          text,
  registered_by     text NOT NULL,
  registered_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inquiry_records (
  inquiry_id uuid NOT NULL REFERENCES inquiries (inquiry_id) ON DELETE CASCADE,
  record_id  text NOT NULL REFERENCES records (record_id),
  PRIMARY KEY (inquiry_id, record_id)
);
CREATE INDEX inquiry_records_by_record ON inquiry_records (record_id);

-- Mail sent about an inquiry or a record, once per kind: a retried activity finds the
-- earlier message instead of sending it again.
CREATE TABLE notifications (
  inquiry_id text NOT NULL,
  record_id  text NOT NULL,
  kind       text NOT NULL,
  message_id text NOT NULL,
  sent_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (inquiry_id, record_id, kind)
);

-- What each system held of a record when erasure first began, written once: a retried
-- erase finds nothing and removes nothing, but the certificate still states what was there.
CREATE TABLE erasure_snapshots (
  record_id  text NOT NULL REFERENCES records (record_id),
  system     text NOT NULL,
  found      jsonb NOT NULL,
  taken_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (record_id, system)
);

-- One successor per ledger entry and one first entry: a forked chain is refused by the
-- database, not only prevented by the advisory lock. TRUNCATE is refused like DELETE.
CREATE UNIQUE INDEX certificates_one_successor ON certificates (prev_sha256);
CREATE UNIQUE INDEX certificates_one_first ON certificates ((prev_sha256 IS NULL)) WHERE prev_sha256 IS NULL;
CREATE TRIGGER certificates_no_truncate
  BEFORE TRUNCATE ON certificates
  FOR EACH STATEMENT EXECUTE FUNCTION certificates_append_only();

-- Down Migration
DROP TRIGGER certificates_no_truncate ON certificates;
DROP INDEX certificates_one_first;
DROP INDEX certificates_one_successor;
DROP TABLE erasure_snapshots;
DROP TABLE notifications;
DROP TABLE inquiry_records;
DROP TABLE inquiries;
DROP INDEX records_by_subject_hmac;
ALTER TABLE records DROP COLUMN subject_hmac;
