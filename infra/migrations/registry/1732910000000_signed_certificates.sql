-- Up Migration

-- Certificates are signed with Ed25519. The public keys live here so that anyone can
-- check a signature; a key id is the first 16 hex digits of SHA-256 over the key (SPKI).
CREATE TABLE signing_keys (
  key_id        text PRIMARY KEY,
  public_key    text NOT NULL,
  first_used_at timestamptz NOT NULL DEFAULT now()
);

-- The signature covers the certificate body (which names the key id and the previous
-- entry's hash). Entries written before signing existed have neither.
ALTER TABLE certificates ADD COLUMN key_id text REFERENCES signing_keys (key_id);
ALTER TABLE certificates ADD COLUMN signature text;
ALTER TABLE certificates ADD CONSTRAINT certificates_signed_whole CHECK ((key_id IS NULL) = (signature IS NULL));

-- Down Migration
ALTER TABLE certificates DROP CONSTRAINT certificates_signed_whole;
ALTER TABLE certificates DROP COLUMN signature;
ALTER TABLE certificates DROP COLUMN key_id;
DROP TABLE signing_keys;
