-- Up Migration

-- The codec server logs every decode of Temporal payloads for the Web UI; such a look is
-- at a workflow's data, not at one record, so it has no record id.
ALTER TABLE access_log ALTER COLUMN record_id DROP NOT NULL;

-- Who looked at personal data is evidence: the log is append-only, like the ledger.
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the access log is append-only: % is refused', TG_OP;
END;
$$;
CREATE TRIGGER access_log_append_only
  BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION access_log_append_only();

-- Down Migration
DROP TRIGGER access_log_append_only ON access_log;
DROP FUNCTION access_log_append_only();
ALTER TABLE access_log ALTER COLUMN record_id SET NOT NULL;
