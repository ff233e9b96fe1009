-- Up Migration

-- Variant keys of each record's subject: HMACs (16 bytes, the kind bound into the input)
-- of the name's parts in any order, their phonetic codes, the name without the residence,
-- initial and family name. An inquiry finds candidates with them; only the exact key
-- (records.subject_hmac) links automatically. Never a clear or reversible form of a name.
CREATE TABLE subject_keys (
  key       bytea NOT NULL,
  record_id text NOT NULL REFERENCES records (record_id),
  PRIMARY KEY (key, record_id)
);
CREATE INDEX subject_keys_by_record ON subject_keys (record_id);

-- The keys an inquiry looks for, by kind (the kind says why a record became a candidate).
-- Destroyed with the inquiry.
CREATE TABLE inquiry_keys (
  inquiry_id uuid NOT NULL REFERENCES inquiries (inquiry_id) ON DELETE CASCADE,
  kind       text NOT NULL,
  key        bytea NOT NULL,
  PRIMARY KEY (inquiry_id, kind, key)
);
CREATE INDEX inquiry_keys_by_key ON inquiry_keys (key);

-- The exact key of the inquiry, and whether the requester gave initials (then even the
-- exact key only makes a candidate): kept so that records imported later are matched too.
ALTER TABLE inquiries ADD COLUMN initials boolean NOT NULL DEFAULT false;
-- registered_by is the coordinator's account; exact matches are registered on the records in their name and role.
ALTER TABLE inquiries ADD COLUMN registered_role text NOT NULL DEFAULT 'coordinator';
CREATE INDEX inquiries_by_subject_hmac ON inquiries (subject_hmac);

-- Records that may be the requester's, for a screened reviewer to confirm or reject.
CREATE TABLE inquiry_candidates (
  inquiry_id uuid NOT NULL REFERENCES inquiries (inquiry_id) ON DELETE CASCADE,
  record_id  text NOT NULL REFERENCES records (record_id),
  reasons    text[] NOT NULL,
  found_at   timestamptz NOT NULL DEFAULT now(),
  decision   text CHECK (decision IN ('confirmed', 'rejected')),
  -- The reviewer's account and role: a confirmed candidate is registered on its record in their name.
  decided_by   text,
  decided_role text,
  decided_at   timestamptz,
  PRIMARY KEY (inquiry_id, record_id),
  CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_role IS NULL) AND (decision IS NULL) = (decided_at IS NULL))
);

-- How a record came to carry an inquiry: its exact key, or a reviewer's confirmation;
-- and whether its lifecycle has taken the inquiry yet (a record imported after the
-- inquiry gets it once its lifecycle is started).
ALTER TABLE inquiry_records ADD COLUMN linked_by text NOT NULL DEFAULT 'exact-match';
ALTER TABLE inquiry_records ADD COLUMN registered_at timestamptz;

-- A screened reviewer's confirmation that none of the candidates (or no record at all) is
-- the requester: only then may a "no data found" letter go out.
ALTER TABLE inquiries ADD COLUMN no_match_confirmed_by text;
ALTER TABLE inquiries ADD COLUMN no_match_confirmed_at timestamptz;

-- Looks at an inquiry's candidates, and the decisions on them, name the inquiry.
ALTER TABLE access_log ADD COLUMN inquiry_id uuid;
CREATE INDEX access_log_by_inquiry ON access_log (inquiry_id, at) WHERE inquiry_id IS NOT NULL;

-- Down Migration
DROP INDEX access_log_by_inquiry;
ALTER TABLE access_log DROP COLUMN inquiry_id;
ALTER TABLE inquiries DROP COLUMN no_match_confirmed_at;
ALTER TABLE inquiries DROP COLUMN no_match_confirmed_by;
ALTER TABLE inquiry_records DROP COLUMN registered_at;
ALTER TABLE inquiry_records DROP COLUMN linked_by;
DROP TABLE inquiry_candidates;
DROP INDEX inquiries_by_subject_hmac;
ALTER TABLE inquiries DROP COLUMN registered_role;
ALTER TABLE inquiries DROP COLUMN initials;
DROP TABLE inquiry_keys;
DROP TABLE subject_keys;
